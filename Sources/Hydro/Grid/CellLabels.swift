/// Per cell a polygon's index (0-based) or −1 for none, stored in two bytes a cell: a county map
/// of a province at 30 m is 2×10⁸ cells, and the attribution holds it beside the flow graph.
/// Reads as a collection of Int32 labels; at most `maximumCount` polygons.
public struct CellLabels: RandomAccessCollection, Sendable, Equatable {
    /// How many distinct labels two bytes hold (0 … 32,766).
    public static let maximumCount = Int(Int16.max)
    private var storage: [Int16]

    /// `count` cells labelled −1.
    public init(unlabelled count: Int) { storage = [Int16](repeating: -1, count: count) }

    /// From Int32 labels, each −1 or below `maximumCount`.
    public init(_ labels: [Int32]) throws {
        storage = []
        storage.reserveCapacity(labels.count)
        for (i, label) in labels.enumerated() {
            guard label >= -1, label < Int32(Self.maximumCount) else {
                throw HydroError(.invalidInput, "labels", "cell \(i) has label \(label); labels run from −1 to \(Self.maximumCount - 1)")
            }
            storage.append(Int16(label))
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    @inline(__always) public subscript(cell: Int) -> Int32 { Int32(storage[cell]) }

    /// Labels `cell` with `label` (−1 …< `maximumCount`, which the caller has checked).
    @inline(__always) mutating func set(_ cell: Int, _ label: Int) { storage[cell] = Int16(truncatingIfNeeded: label) }

    /// Every label replaced by `mapping[label]` (−1 stays −1); `mapping`'s values below `maximumCount`.
    func mapped(_ mapping: [Int32]) -> CellLabels {
        var copy = self
        copy.storage = storage.map { $0 < 0 ? -1 : Int16(truncatingIfNeeded: mapping[Int($0)]) }
        return copy
    }
}
