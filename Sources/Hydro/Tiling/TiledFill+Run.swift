extension TiledFill {
    /// What a whole fill by tiles found (on the leader).
    struct Summary {
        /// Cells raised by filling.
        var raisedCells = 0
        /// Labels and crossings of the spill graph.
        var labels = 0
        var crossings = 0
    }

    /// The three stages on `executor`: every tile flooded (labels and crossings gathered on the
    /// leader), the spill graph solved there and its levels sent to every rank, every tile flooded
    /// again and its filled cells handed to `finished` on the rank that made them. The grid is read
    /// by windows from `source`, which `finished` must not change.
    static func run(layout: TileLayout, source: @escaping (Int, Int, Int, Int) throws -> [Float], nodata: Float?, executor: TileExecutor,
                    finished: (Tile, [Float]) throws -> Void) throws -> Summary {
        let leader = executor.isLeader
        let allTiles = Array(0..<layout.count)
        let (bases, labelCount) = try labelBases(layout)
        var crossings: [UInt64: Float] = [:]
        for bytes in try executor.map(allTiles, { t in
            let flooded = try flood(layout.tile(t), layout: layout, source: source, nodata: nodata, labelBase: bases)
            var w = ByteWriter()
            w.put(flooded.crossings.count)
            for (key, level) in flooded.crossings.sorted(by: { $0.key < $1.key }) { w.put(key); w.put(level) }
            return w.bytes
        }) {
            var r = ByteReader(bytes)
            for _ in 0..<(try r.count()) {
                let key = try r.get(UInt64.self), level = try r.float()
                if crossings[key].map({ level < $0 }) ?? true { crossings[key] = level }
            }
        }
        var levelMessage = ByteWriter()
        if leader {
            for v in SpillGraph.levels(labelCount: labelCount, { edge in for (key, level) in crossings { edge(key, level) } }) { levelMessage.put(v) }
        }
        var levelReader = ByteReader(try executor.broadcast(leader ? levelMessage.bytes : nil))
        let level = try (0..<labelCount).map { _ in try levelReader.float() }
        var summary = Summary(labels: labelCount, crossings: crossings.count)
        for bytes in try executor.map(allTiles, { t in
            let tile = layout.tile(t)
            let cells = finish(try flood(tile, layout: layout, source: source, nodata: nodata, labelBase: bases), level: level)
            let original = try source(tile.column, tile.row, tile.columns, tile.rows)
            try finished(tile, cells)
            var w = ByteWriter()
            w.put(raisedCount(cells, original: original))
            return w.bytes
        }) {
            var r = ByteReader(bytes)
            summary.raisedCells += try r.int()
        }
        return summary
    }

    /// Cells of a tile that filling raised.
    private static func raisedCount(_ filled: [Float], original: [Float]) -> Int {
        var count = 0
        for i in 0..<filled.count where !original[i].isNaN && filled[i] != original[i] { count += 1 }
        return count
    }
}
