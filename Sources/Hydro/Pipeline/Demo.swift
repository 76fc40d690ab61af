import Foundation

/// The built-in demonstration: a synthetic river basin run through the pipeline into one folder.
public enum Demo {
    public struct Result: Sendable {
        public var folder: String
        public var files: [String]
        public var summary: String
    }

    public static func run(into folder: String, seed: UInt64, size: Int, crs: CoordinateSystem,
                           progress: TaskProgress = .silent) throws -> Result {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw HydroError(.io, folder, "cannot create the output folder")
        }
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let options = RasterWriteOptions(overwrite: true)
        var dem = SyntheticTerrain.valley(width: size * 3 / 2, height: size, cellSize: 30, seed: seed, crs: crs)
        try RasterWriter.write(dem, to: path("dem.tif"), options: options, progress: progress.scaled(from: 0, to: 0.1))
        let fill = try DepressionFilling.fill(&dem, progress: progress.scaled(from: 0.1, to: 0.3))
        try RasterWriter.write(dem, to: path("filled.tif"), options: options, progress: progress.scaled(from: 0.3, to: 0.4))
        let directions = try D8FlowDirection.compute(dem, progress: progress.scaled(from: 0.4, to: 0.6))
        var directionOptions = options
        directionOptions.metadata[D8Encoding.metadataKey] = D8Encoding.esri.rawValue
        try RasterWriter.write(directions.encoded(.esri), to: path("flowdir.tif"), options: directionOptions,
                               progress: progress.scaled(from: 0.6, to: 0.7))
        let area = try FlowAccumulation.accumulate(directions, weight: .areaSquareKilometres, progress: progress.scaled(from: 0.7, to: 0.9))
        var areaOptions = options
        areaOptions.bandDescriptions = ["upstream area (km2)"]
        try RasterWriter.write(area.values, to: path("upstream_area_km2.tif"), options: areaOptions,
                               progress: progress.scaled(from: 0.9, to: 1))
        let total = try CellMetrics(dem.geometry).area.reduce(0, +) * Double(dem.width) / 1e6
        let largest = area.outlets.map { area.values.cells[$0] }.max() ?? 0
        let files = ["dem.tif", "filled.tif", "flowdir.tif", "upstream_area_km2.tif"].map(path)
        let summary = """
        Synthetic basin \(dem.width)x\(dem.height) cells of 30 m (seed \(seed)) in \(folder)/
          filled \(fill.raisedCells) cells (\(String(format: "%.0f", fill.volume)) m³)
          \(area.outlets.count) outlets; largest drains \(String(format: "%.2f", largest)) of \(String(format: "%.2f", total)) km²
          outlets together drain \(String(format: "%.6f", area.outletTotal)) km² (mass balance)
          files: \(files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))
        """
        return Result(folder: folder, files: files, summary: summary)
    }
}
