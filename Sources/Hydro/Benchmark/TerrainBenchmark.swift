import Foundation

/// Times the terrain pipeline (fill → D8 with flats → accumulation) in one process and records
/// peak memory, for `hydrotool bench terrain`.
public enum TerrainBenchmark {
    public struct Result: Codable, Sendable {
        public var file: String
        public var cells: Int
        public var validCells: Int
        public var threads: Int
        /// Flats drained by an ε-increasing fill (as WhiteboxTools' fix_flats) instead of Barnes' flat resolution.
        public var epsilon: Bool
        public var readSeconds: Double
        public var fillSeconds: Double
        public var flowDirectionSeconds: Double
        public var accumulationSeconds: Double
        /// fill + flow directions + accumulation, without reading.
        public var pipelineSeconds: Double
        public var megacellsPerSecond: Double
        public var peakResidentBytes: Int
        /// The high-water mark after each stage: read, fill, flow directions, accumulation.
        public var peakAfterStage: [Int]
        public var peakBytesPerCell: Double
        public var outletCellTotal: Double
    }

    public static func run(_ path: String, threads: Int, epsilon: Bool = false) throws -> Result {
        let clock = ContinuousClock()
        var start = clock.now
        func lap() -> Double {
            let now = clock.now
            defer { start = now }
            let d = now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var dem = try RasterReader.read(path, as: Float.self)
        let read = lap()
        var peaks = [MemoryUsage.peakResidentBytes]
        let valid = dem.validCount
        _ = lap()
        _ = try DepressionFilling.fill(&dem, options: FillOptions(epsilon: epsilon, threads: threads))
        let fill = lap()
        peaks.append(MemoryUsage.peakResidentBytes)
        let directions = try D8FlowDirection.compute(dem, threads: threads, resolveFlats: !epsilon)
        let cells = dem.count
        dem.cells = []  // release the DEM before accumulating
        let d8 = lap()
        peaks.append(MemoryUsage.peakResidentBytes)
        let accumulation = try FlowAccumulation.accumulate(directions)
        let acc = lap()
        let peak = MemoryUsage.peakResidentBytes
        peaks.append(peak)
        let pipeline = fill + d8 + acc
        return Result(file: path, cells: cells, validCells: valid, threads: threads, epsilon: epsilon, readSeconds: read,
                      fillSeconds: fill, flowDirectionSeconds: d8, accumulationSeconds: acc, pipelineSeconds: pipeline,
                      megacellsPerSecond: Double(cells) / pipeline / 1e6, peakResidentBytes: peak, peakAfterStage: peaks,
                      peakBytesPerCell: Double(peak) / Double(max(cells, 1)), outletCellTotal: accumulation.outletTotal)
    }
}

/// The process's memory high-water mark, from /proc/self/status (Linux).
public enum MemoryUsage {
    public static var peakResidentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:\t  123456 kB": the padding shrinks as the figure grows (none from 10 GB up), so split on tabs too.
            let kb = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }

    /// Resets the peak mark (VmHWM) to the current resident size, so a later reading gives the peak
    /// of what ran in between (Linux `clear_refs`, value 5).
    public static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
