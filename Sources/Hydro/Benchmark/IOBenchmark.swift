import Foundation

/// Read + write throughput of the tool's raster I/O against `gdal_translate` on the same file with
/// the same creation options (tiled, DEFLATE, the same predictor), for `hydrotool bench io`.
public enum IOBenchmark {
    public struct Result: Codable, Sendable {
        public var file: String
        public var cells: Int
        public var hydrotoolSeconds: Double
        public var gdalTranslateSeconds: Double
        /// hydrotool time / gdal_translate time (below 1: hydrotool is faster).
        public var ratio: Double
        public var hydrotoolMegacellsPerSecond: Double
        public var gdalTranslateMegacellsPerSecond: Double
    }

    public static func run(_ path: String, repeats: Int = 3) throws -> Result {
        let info = try RasterReader.info(path)
        let kind = info.bands.first?.cellKind ?? .float32
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hydro-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ours = folder.appendingPathComponent("ours.tif").path
        let theirs = folder.appendingPathComponent("gdal.tif").path
        let options = RasterWriter.creationOptionList(RasterWriteOptions(), kind: kind)
        var gdalArguments = ["-q", "-of", "GTiff"]
        for name in ["TILED", "COMPRESS", "PREDICTOR", "BIGTIFF"] {
            if let value = options.value(name) { gdalArguments += ["-co", "\(name)=\(value)"] }
        }
        var best = (ours: Double.infinity, theirs: Double.infinity)
        for _ in 0..<max(repeats, 1) {
            try? FileManager.default.removeItem(atPath: ours)
            try? FileManager.default.removeItem(atPath: theirs)
            let t0 = Date()
            switch kind {
            case .uint8: try RasterWriter.write(try RasterReader.read(path, as: UInt8.self), to: ours)
            case .int16: try RasterWriter.write(try RasterReader.read(path, as: Int16.self), to: ours)
            case .uint16: try RasterWriter.write(try RasterReader.read(path, as: UInt16.self), to: ours)
            case .int32: try RasterWriter.write(try RasterReader.read(path, as: Int32.self), to: ours)
            case .uint32: try RasterWriter.write(try RasterReader.read(path, as: UInt32.self), to: ours)
            case .float32: try RasterWriter.write(try RasterReader.read(path, as: Float.self), to: ours)
            case .float64: try RasterWriter.write(try RasterReader.read(path, as: Double.self), to: ours)
            }
            best.ours = min(best.ours, Date().timeIntervalSince(t0))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/gdal_translate")
            process.arguments = gdalArguments + [path, theirs]
            let t1 = Date()
            do { try process.run() } catch {
                throw HydroError(.io, "gdal_translate", "cannot run /usr/bin/gdal_translate (install gdal-bin)")
            }
            process.waitUntilExit()
            best.theirs = min(best.theirs, Date().timeIntervalSince(t1))
        }
        let cells = Double(info.geometry.cellCount)
        return Result(file: path, cells: info.geometry.cellCount, hydrotoolSeconds: best.ours, gdalTranslateSeconds: best.theirs,
                      ratio: best.ours / best.theirs, hydrotoolMegacellsPerSecond: cells / best.ours / 1e6,
                      gdalTranslateMegacellsPerSecond: cells / best.theirs / 1e6)
    }
}
