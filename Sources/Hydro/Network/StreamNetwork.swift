/// One stream link: the channel between a source or confluence and the next confluence or outlet.
public struct StreamLink: Sendable, Equatable {
    public var id: Int32
    /// The link this one flows into, or nil at an outlet.
    public var downstream: Int32?
    public var upstream: [Int32]
    public var strahler: Int
    public var shreve: Int
    /// Grid cells from the head (upstream end) to the last cell of the link.
    public var cells: LinkCells
    /// Length in metres along cell centres, including the step into the downstream link's head.
    public var length: Double
    /// Upstream area at the link's last cell, km².
    public var upstreamArea: Double
    /// Elevation drop from the head to the downstream end (m).
    public var drop: Double
    public var slope: Double { length > 0 ? drop / length : 0 }
    /// Cell whose centre ends the link's line: the downstream link's head, or the last cell at an outlet.
    public var endCell: Int
}

/// The channel network: cells whose upstream area reaches a threshold, split into links at
/// confluences, with topology and Strahler (1957) and Shreve (1966) orders.
///
/// Link IDs are numbered 1, 2, … in the raster order of the links' head cells, so the same
/// inputs always give the same IDs. A confluence cell belongs to the link that starts there;
/// each link's line ends at the next link's head so that lines touch exactly at confluences.
public struct StreamNetwork: Sendable {
    public var geometry: GridGeometry
    public var links: [StreamLink]
    /// Link ID of every cell (0 off the network).
    public var linkOfCell: [Int32]

    /// - Parameters:
    ///   - threshold: minimum upstream value (same unit as `accumulation`: km² or cells).
    ///   - elevation: for drop and slope (the conditioned DEM); nil gives zero drops.
    ///   - areaKm2: upstream area per cell when the caller already has it (otherwise computed).
    public init(directions: FlowDirections, accumulation: Grid<Double>, threshold: Double,
                elevation: Grid<Float>? = nil, areaKm2 knownArea: Grid<Double>? = nil) throws {
        guard threshold > 0, threshold.isFinite else {
            throw HydroError(.invalidParameter, "--threshold", "must be positive, got \(threshold)")
        }
        let geometry = directions.geometry
        try geometry.requireSame(as: accumulation.geometry, "accumulation")
        if let elevation { try geometry.requireSame(as: elevation.geometry, "elevation") }
        let n = geometry.cellCount
        try GridLimits.requireIndexable(n, "flow directions")  // link cells are kept as 32-bit indices
        let width = geometry.width
        let area = try CellMetrics(geometry)
        let distances = NeighbourDistances(area).distance
        if let knownArea { try geometry.requireSame(as: knownArea.geometry, "upstream area") }
        let areaKm2 = try knownArea?.cells ?? FlowAccumulation.accumulate(directions, weight: .areaSquareKilometres).values.cells

        var isChannel = [Bool](repeating: false, count: n)
        for i in 0..<n where directions.codes[i] != D8.noData && accumulation.cells[i] >= threshold { isChannel[i] = true }
        var channelDonors = [UInt8](repeating: 0, count: n)
        for i in 0..<n where isChannel[i] {
            if let d = directions.downstream(of: i), isChannel[d] { channelDonors[d] += 1 }
        }
        // Heads: sources (no channel donor) and confluences (two or more).
        var linkOfCell = [Int32](repeating: 0, count: n)
        var heads: [Int] = []
        for i in 0..<n where isChannel[i] && channelDonors[i] != 1 {
            heads.append(i)
            linkOfCell[i] = Int32(heads.count)
        }
        var links: [StreamLink] = []
        links.reserveCapacity(heads.count)
        // One buffer gathers each link's cells; the link keeps an exact copy (`LinkCells`).
        var cells: [Int32] = []
        for (number, head) in heads.enumerated() {
            let id = Int32(number + 1)
            cells.removeAll(keepingCapacity: true)
            cells.append(Int32(head))
            var length = 0.0
            var c = head
            var end = head
            var downstreamLink: Int32?
            while let d = directions.downstream(of: c), isChannel[d] {
                let k = Int(directions.codes[c])
                length += distances[(c / width) * 8 + k]
                if channelDonors[d] != 1 {
                    downstreamLink = linkOfCell[d]
                    end = d
                    break
                }
                linkOfCell[d] = id
                cells.append(Int32(d))
                c = d
                end = d
            }
            let last = Int(cells[cells.count - 1])
            let drop = elevation.map { Double($0.cells[head]) - Double($0.cells[end]) } ?? 0
            links.append(StreamLink(id: id, downstream: downstreamLink, upstream: [], strahler: 0, shreve: 0,
                                    cells: LinkCells(copying: cells), length: length, upstreamArea: areaKm2[last], drop: drop, endCell: end))
        }
        for link in links { if let d = link.downstream { links[Int(d) - 1].upstream.append(link.id) } }
        // Orders, from sources down: a link is ready once all its upstream links are.
        var pending = links.map { $0.upstream.count }
        var ready = links.filter { $0.upstream.isEmpty }.map { Int($0.id) - 1 }
        while let l = ready.popLast() {
            let ups = links[l].upstream.map { links[Int($0) - 1] }
            if ups.isEmpty {
                links[l].strahler = 1
                links[l].shreve = 1
            } else {
                let highest = ups.map(\.strahler).max() ?? 1
                links[l].strahler = ups.filter { $0.strahler == highest }.count >= 2 ? highest + 1 : highest
                links[l].shreve = ups.reduce(0) { $0 + $1.shreve }
            }
            if let d = links[l].downstream {
                pending[Int(d) - 1] -= 1
                if pending[Int(d) - 1] == 0 { ready.append(Int(d) - 1) }
            }
        }
        self.geometry = geometry
        self.links = links
        self.linkOfCell = linkOfCell
    }

    /// The link ID of every cell made again from the links' cells (0 off the network): each channel
    /// cell lies in the cells of exactly one link, so this equals `linkOfCell` as built.
    public func cellsFromLinks() -> [Int32] {
        var cells = [Int32](repeating: 0, count: geometry.cellCount)
        for link in links { for c in link.cells { cells[c] = link.id } }
        return cells
    }

    /// The link raster: link ID per cell, 0 = no stream (nodata).
    public var raster: Grid<Int32> { Grid(geometry: geometry, trustedCells: linkOfCell, nodata: 0) }

    /// Line vertices (cell centres) of a link, ending at the downstream link's head.
    public func line(of link: StreamLink) -> [Coordinate] {
        var cells = Array(link.cells)
        if link.endCell != cells[cells.count - 1] { cells.append(link.endCell) }
        return cells.map { i in
            let p = geometry.centre(column: i % geometry.width, row: i / geometry.width)
            return Coordinate(p.x, p.y)
        }
    }

    /// The network as line features with their attributes.
    public func layer(extraFields: [FieldDefinition] = [], extra: (StreamLink) -> [String: FieldValue] = { _ in [:] }) -> VectorLayer {
        let fields = [FieldDefinition("link_id", .integer), FieldDefinition("ds_id", .integer), FieldDefinition("us_ids", .string),
                      FieldDefinition("strahler", .integer), FieldDefinition("shreve", .integer),
                      FieldDefinition("length_m", .real), FieldDefinition("area_km2", .real),
                      FieldDefinition("drop_m", .real), FieldDefinition("slope", .real),
                      FieldDefinition("from_x", .real), FieldDefinition("from_y", .real),
                      FieldDefinition("to_x", .real), FieldDefinition("to_y", .real)] + extraFields
        let features = links.map { link -> Feature in
            let line = line(of: link)
            var attributes: [String: FieldValue] = [
                "link_id": .integer(Int64(link.id)), "ds_id": link.downstream.map { .integer(Int64($0)) } ?? .null,
                "us_ids": .string(link.upstream.map(String.init).joined(separator: ",")),
                "strahler": .integer(Int64(link.strahler)), "shreve": .integer(Int64(link.shreve)),
                "length_m": .real(link.length), "area_km2": .real(link.upstreamArea),
                "drop_m": .real(link.drop), "slope": .real(link.slope),
                "from_x": .real(line[0].x), "from_y": .real(line[0].y),
                "to_x": .real(line[line.count - 1].x), "to_y": .real(line[line.count - 1].y),
            ]
            for (k, v) in extra(link) { attributes[k] = v }
            return Feature(geometry: .lineString(line.count == 1 ? [line[0], line[0]] : line), attributes: attributes)
        }
        return VectorLayer(name: "streams", fields: fields, features: features, crs: geometry.crs)
    }
}
