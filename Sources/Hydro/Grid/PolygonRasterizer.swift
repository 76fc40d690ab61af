/// Labels grid cells with the polygon that contains their centre (even–odd rule, so holes are
/// respected), by scanning each row's centre line against the polygon edges: O(rows × edges).
public enum PolygonRasterizer {
    public struct Result: Sendable {
        /// Per cell: index of the polygon (0-based) containing its centre, or -1.
        public var labels: CellLabels
        /// (first polygon, second polygon, cells claimed by both): later polygons lose the cells.
        public var overlaps: [(Int, Int, Int)]
    }

    /// - Parameter polygons: for each polygon, its parts, each as rings (exterior first).
    /// - Throws: for more polygons than `CellLabels` holds.
    public static func label(_ polygons: [[[[Coordinate]]]], on geometry: GridGeometry) throws -> Result {
        guard polygons.count <= CellLabels.maximumCount else {
            throw HydroError(.invalidInput, "polygons", "\(polygons.count) polygons; at most \(CellLabels.maximumCount) can label one grid")
        }
        var labels = CellLabels(unlabelled: geometry.cellCount, labelCount: polygons.count)
        var overlapCounts: [Int64: Int] = [:]
        let t = geometry.transform
        for (index, parts) in polygons.enumerated() {
            let rings = parts.flatMap { $0 }
            guard let ys = rings.flatMap({ $0.map(\.y) }).min().map({ ($0, rings.flatMap { $0.map(\.y) }.max() ?? $0) }) else { continue }
            for row in 0..<geometry.height {
                let y = t.originY + (Double(row) + 0.5) * t.pixelHeight
                guard y >= ys.0, y <= ys.1 else { continue }
                var crossings: [Double] = []
                for ring in rings {
                    for (a, b) in zip(ring, ring.dropFirst()) where (a.y <= y) != (b.y <= y) {
                        crossings.append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
                    }
                }
                crossings.sort()
                var k = 0
                while k + 1 < crossings.count {
                    // Cells whose centre x lies in [crossings[k], crossings[k+1]).
                    // Clamped before conversion: a vertex far off the grid must not overflow Int.
                    func column(_ x: Double) -> Int {
                        let c = ((x - t.originX) / t.pixelWidth - 0.5).rounded(.up)
                        return c.isNaN ? 0 : Int(min(max(c, -1), Double(geometry.width) + 1))
                    }
                    let first = max(0, column(crossings[k]))
                    let last = min(geometry.width - 1, column(crossings[k + 1]) - 1)
                    if first <= last {
                        for column in first...last {
                            let i = row * geometry.width + column
                            if labels[i] < 0 { labels.set(i, index) } else if Int(labels[i]) != index {
                                overlapCounts[Int64(labels[i]) << 32 | Int64(index), default: 0] += 1
                            }
                        }
                    }
                    k += 2
                }
            }
        }
        let overlaps = overlapCounts.map { (Int($0.key >> 32), Int($0.key & 0xFFFF_FFFF), $0.value) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        return Result(labels: labels, overlaps: overlaps)
    }
}
