extension TiledFlowDirection {
    /// Directions of every tile on `executor`: the cells of flats that reach a tile edge gathered
    /// from every tile, drained once on the leader (`CrossTileFlats`) and their codes sent to every
    /// rank, then each tile's directions (internal codes) handed to `finished` on the rank that made
    /// them. `distances` are the grid's neighbour distances by row (8 a row). Returns the count of
    /// cross-tile flat cells.
    static func run(layout: TileLayout, filled: @escaping (Int, Int, Int, Int) throws -> [Float], nodata: Float?, distances: [Double],
                    executor: TileExecutor, finished: (Tile, [UInt8]) throws -> Void) throws -> Int {
        let leader = executor.isLeader
        let allTiles = Array(0..<layout.count)
        var members: [Int] = []
        var flatCells: [CrossTileFlats.Cell] = []
        for bytes in try executor.map(allTiles, { t in
            let part = try directions(layout.tile(t), layout: layout, filled: filled, nodata: nodata,
                                      distances: distances, resolveLocalFlats: false).flats
            var w = ByteWriter()
            w.put(part.members.count)
            for m in part.members { w.put(m) }
            w.put(part.cells.count)
            for cell in part.cells { w.put(cell.index); w.put(cell.z); w.put(cell.code) }
            return w.bytes
        }) {
            var r = ByteReader(bytes)
            for _ in 0..<(try r.count()) { members.append(try r.int()) }
            for _ in 0..<(try r.count()) {
                let i = try r.int(), z = try r.float(), code = try r.get(UInt8.self)
                flatCells.append(CrossTileFlats.Cell(index: i, z: z, code: code))
            }
        }
        // Every rank gets the members (ascending) and their codes, 9 bytes a cell, and looks its own up.
        var flatMessage = ByteWriter()
        if leader {
            members.sort()
            CrossTileFlats.merged(&flatCells)
            let solved = try CrossTileFlats.solve(members: members, cells: flatCells, width: layout.width, height: layout.height, nodata: nodata)
            flatMessage.put(members.count)
            for m in members { flatMessage.put(m) }
            for code in solved { flatMessage.put(code) }
        }
        flatCells = []
        var flatReader = ByteReader(try executor.broadcast(leader ? flatMessage.bytes : nil))
        let memberCount = try flatReader.count()
        members = try (0..<memberCount).map { _ in try flatReader.int() }
        let flatCodes = try (0..<memberCount).map { _ in try flatReader.get(UInt8.self) }
        _ = try executor.map(allTiles) { t in
            let tile = layout.tile(t)
            var pass = try directions(tile, layout: layout, filled: filled, nodata: nodata, distances: distances, resolveLocalFlats: true)
            for g in pass.flats.members {
                pass.codes[(g / layout.width - tile.row) * tile.columns + g % layout.width - tile.column] =
                    CrossTileFlats.position(of: g, in: members).map { flatCodes[$0] } ?? D8.noFlow
            }
            try finished(tile, pass.codes)
            return []
        }
        return memberCount
    }
}
