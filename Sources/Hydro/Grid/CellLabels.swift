/// Per cell a polygon's index (0-based) or −1 for none: a county map of a province at 30 m is
/// 2×10⁸ cells and the attribution holds it beside the flow graph, so the labels take one byte a
/// cell while at most 255 polygons can label the grid (label + 1, 0 for none) and two bytes up to
/// `maximumCount`. Reads as a collection of Int32 labels.
public struct CellLabels: RandomAccessCollection, Sendable, Equatable {
    /// How many distinct labels two bytes hold (0 … 32,766).
    public static let maximumCount = Int(Int16.max)
    /// How many distinct labels one byte holds (0 … 254; the byte's 0 is "none").
    static let narrowCount = Int(UInt8.max)
    private var narrow: [UInt8] = []
    private var wide: [Int16] = []
    /// Whether the labels are held in two bytes a cell.
    public let isWide: Bool

    /// `count` cells labelled −1, able to hold labels below `labelCount` (at most `maximumCount`,
    /// which the caller has checked).
    public init(unlabelled count: Int, labelCount: Int) {
        isWide = labelCount > Self.narrowCount
        if isWide { wide = [Int16](repeating: -1, count: count) } else { narrow = [UInt8](repeating: 0, count: count) }
    }

    /// From Int32 labels, each −1 or below `maximumCount`.
    public init(_ labels: [Int32]) throws {
        for (i, label) in labels.enumerated() where label < -1 || label >= Int32(Self.maximumCount) {
            throw HydroError(.invalidInput, "labels", "cell \(i) has label \(label); labels run from −1 to \(Self.maximumCount - 1)")
        }
        self.init(unlabelled: labels.count, labelCount: Int(labels.max() ?? -1) + 1)
        for (i, label) in labels.enumerated() where label >= 0 { set(i, Int(label)) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { isWide ? wide.count : narrow.count }

    @inline(__always) public subscript(cell: Int) -> Int32 {
        isWide ? Int32(wide[cell]) : Int32(narrow[cell]) - 1
    }

    /// Labels `cell` with `label` (−1 …< the label count given at creation, which the caller has checked).
    @inline(__always) mutating func set(_ cell: Int, _ label: Int) {
        if isWide { wide[cell] = Int16(truncatingIfNeeded: label) } else { narrow[cell] = UInt8(truncatingIfNeeded: label + 1) }
    }

    /// Every label replaced by `mapping[label]` (−1 stays −1); `mapping`'s values from −1 to below `maximumCount`.
    func mapped(_ mapping: [Int32]) -> CellLabels {
        var copy = CellLabels(unlabelled: count, labelCount: Int(mapping.max() ?? -1) + 1)
        for cell in indices {
            let label = self[cell]
            if label >= 0 { copy.set(cell, Int(mapping[Int(label)])) }
        }
        return copy
    }

    /// The same labels cell by cell, whichever width holds them.
    public static func == (a: CellLabels, b: CellLabels) -> Bool {
        a.count == b.count && a.indices.allSatisfy { a[$0] == b[$0] }
    }
}
