/// What `tiling.json` records of a tiled run: the grid, the tiles, how many ranks took part, and
/// the figures of the perimeter exchanges. Absent values are written as null, not left out.
struct TilingRecord: Codable, Equatable {
    var dem: String
    var weight: String?
    var width: Int, height: Int
    var tileWidth: Int, tileHeight: Int, tileColumns: Int, tileRows: Int
    var ranks: Int
    /// "out-of-core" (one process) or "mpi".
    var mode: String
    var memoryLimitBytes: Int?
    /// cells, km2 or weight.
    var units: String
    var format: String
    var spillLabels: Int, spillCrossings: Int, crossTileFlatCells: Int
    var accumulationVisits: Int, perimeterLinks: Int, raisedCells: Int

    enum CodingKeys: String, CodingKey {
        case dem, weight, width, height, ranks, mode, units, format
        case tileWidth = "tile_width", tileHeight = "tile_height", tileColumns = "tile_columns", tileRows = "tile_rows"
        case memoryLimitBytes = "memory_limit_bytes"
        case spillLabels = "spill_labels", spillCrossings = "spill_crossings", crossTileFlatCells = "cross_tile_flat_cells"
        case accumulationVisits = "accumulation_visits", perimeterLinks = "perimeter_links", raisedCells = "raised_cells"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dem, forKey: .dem)
        try c.encode(weight, forKey: .weight)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(tileWidth, forKey: .tileWidth)
        try c.encode(tileHeight, forKey: .tileHeight)
        try c.encode(tileColumns, forKey: .tileColumns)
        try c.encode(tileRows, forKey: .tileRows)
        try c.encode(ranks, forKey: .ranks)
        try c.encode(mode, forKey: .mode)
        try c.encode(memoryLimitBytes, forKey: .memoryLimitBytes)
        try c.encode(units, forKey: .units)
        try c.encode(format, forKey: .format)
        try c.encode(spillLabels, forKey: .spillLabels)
        try c.encode(spillCrossings, forKey: .spillCrossings)
        try c.encode(crossTileFlatCells, forKey: .crossTileFlatCells)
        try c.encode(accumulationVisits, forKey: .accumulationVisits)
        try c.encode(perimeterLinks, forKey: .perimeterLinks)
        try c.encode(raisedCells, forKey: .raisedCells)
    }
}
