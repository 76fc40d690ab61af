/// Catchments of points on the flow network.
///
/// Each valid cell is labelled with the first point met going downstream from it on the flow graph
/// (the point's own cell included; where a link splits the flow, the larger part is followed): these are the incremental catchments, the settlement units between a
/// section and the sections upstream of it. A point's whole catchment is its incremental one plus
/// those of every point upstream. Labels follow each flow path once, with path compression,
/// so the cost is linear in the number of cells and needs no recursion.
public struct Watersheds: Sendable {
    public var geometry: GridGeometry
    /// Per cell: index into `outlets` of the incremental catchment, or -1 (drains to no point).
    public var incrementalLabel: [Int32]
    /// The outlet cells, in the order given.
    public var outlets: [Int]
    /// For each outlet: the index of the next outlet downstream, or nil.
    public var downstreamOutlet: [Int?]

    public init(graph: FlowGraph, outlets: [Int]) throws {
        let directions = graph.directions
        let n = directions.geometry.cellCount
        var label = [Int32](repeating: -2, count: n)   // -2: not yet known
        for (k, cell) in outlets.enumerated() {
            guard cell >= 0, cell < n, directions.codes[cell] != D8.noData else {
                throw HydroError(.invalidInput, "points", "outlet \(k + 1) lies outside the grid or on nodata")
            }
            guard label[cell] == -2 else {
                throw HydroError(.invalidInput, "points", "outlets \(Int(label[cell]) + 1) and \(k + 1) fall on the same cell")
            }
            label[cell] = Int32(k)
        }
        var path: [Int] = []
        for start in 0..<n where label[start] == -2 {
            guard directions.codes[start] != D8.noData else { label[start] = -1; continue }
            var c = start
            var found: Int32 = -1
            while true {
                if label[c] != -2 { found = label[c]; break }
                path.append(c)
                guard let d = graph.mainReceiver(of: c) else { break }
                c = d
            }
            for p in path { label[p] = found }
            path.removeAll(keepingCapacity: true)
        }
        for i in 0..<n where directions.codes[i] == D8.noData { label[i] = -1 }
        // The next outlet downstream of each outlet: the label of the cell below it.
        downstreamOutlet = outlets.map { cell in
            guard let d = graph.mainReceiver(of: cell), label[d] >= 0 else { return nil }
            return Int(label[d])
        }
        geometry = directions.geometry
        incrementalLabel = label
        self.outlets = outlets
    }

    /// Indices of the outlets whose whole catchment contains outlet k's incremental one:
    /// k itself and every outlet downstream of it.
    public func outletsContaining(_ k: Int) -> [Int] {
        var chain = [k]
        var current = k
        while let next = downstreamOutlet[current], !chain.contains(next) { chain.append(next); current = next }
        return chain
    }

    /// Per cell: true when the cell lies in outlet k's whole catchment.
    public func wholeCatchmentMask(_ k: Int) -> [Bool] {
        var inside = [Bool](repeating: false, count: outlets.count)
        for j in 0..<outlets.count where outletsContaining(j).contains(k) { inside[j] = true }
        return incrementalLabel.map { $0 >= 0 && inside[Int($0)] }
    }

    /// Area (km²) of each outlet's incremental catchment, from true cell areas.
    public func incrementalAreas() throws -> [Double] {
        let area = try CellMetrics(geometry).area
        var sums = [Double](repeating: 0, count: outlets.count)
        for i in 0..<incrementalLabel.count where incrementalLabel[i] >= 0 {
            sums[Int(incrementalLabel[i])] += area[i / geometry.width] / 1e6
        }
        return sums
    }

    /// Area (km²) of each outlet's whole catchment.
    public func wholeAreas() throws -> [Double] {
        let incremental = try incrementalAreas()
        var whole = [Double](repeating: 0, count: outlets.count)
        for j in 0..<outlets.count { for k in outletsContaining(j) { whole[k] += incremental[j] } }
        return whole
    }
}
