import Foundation

/// A seeded synthetic SPARROW model with known coefficients, for tests and benchmarks: a random tree
/// network in hydrological order, two land sources and a point source, a delivery variable acting on the
/// land sources, two travel-time decay classes, reservoirs on a few reaches, origin groups (jurisdictions)
/// and stations whose loads are the true model's predictions times lognormal noise.
public struct SyntheticSparrowModel: Sendable {
    public var model: SparrowModel
    /// The true parameter values the station loads were generated from.
    public var truth: [Double]
    /// Reaches chosen as assessment targets (the outlets and a few others), for shares.
    public var targets: [Int]

    public struct Settings: Sendable {
        public var reaches = 400
        public var stations = 40
        public var groups = 3
        /// Standard deviation of the ln-load noise (0: noise-free).
        public var noise = 0.0
        public var seed: UInt64 = 1
        public init() {}
    }

    public static let trueValues: [String: Double] = [
        "forest": 300, "crops": 1500, "point": 0.8, "slope": 0.6, "rchdecay1": 0.3, "rchdecay2": 0.05, "iresload": 4,
    ]

    public static func make(_ settings: Settings) throws -> SyntheticSparrowModel {
        var rng = SeededGenerator(seed: settings.seed)
        let n = settings.reaches
        // Each reach drains to a later one; a few are outlets. Built outlet-last so the order is hydrological.
        var downstream = [Int](repeating: -1, count: n)
        for i in 0..<(n - 1) {
            if rng.unit() < 0.01 { continue }
            let span = min(12, n - 1 - i)
            downstream[i] = i + 1 + Int(rng.next() % UInt64(span))
        }
        var upstream = [[(reach: Int, weight: Double)]](repeating: [], count: n)
        for i in 0..<n where downstream[i] >= 0 { upstream[downstream[i]].append((i, 1)) }
        var area = [Double](repeating: 0, count: n)
        var forest = [Double](repeating: 0, count: n), crops = [Double](repeating: 0, count: n)
        var point = [Double](repeating: 0, count: n), slope = [Double](repeating: 0, count: n)
        var small = [Double](repeating: 0, count: n), large = [Double](repeating: 0, count: n)
        var reservoir = [Double](repeating: 0, count: n)
        var group = [Int](repeating: 0, count: n)
        var total = [Double](repeating: 0, count: n)
        for i in 0..<n {
            area[i] = 2 + 20 * rng.unit()
            let cropShare = 0.1 + 0.6 * rng.unit()
            crops[i] = area[i] * cropShare
            forest[i] = area[i] - crops[i]
            point[i] = rng.unit() < 0.15 ? 500 + 20_000 * rng.unit() : 0
            slope[i] = 2 + 20 * rng.unit()
            group[i] = min(settings.groups - 1, Int(Double(settings.groups) * Double(i) / Double(n) + 0.5 * rng.unit()) % settings.groups)
            total[i] = area[i] + upstream[i].reduce(0) { $0 + total[$1.reach] }
            let travel = 0.05 + 0.5 * rng.unit()
            if total[i] < 150 { small[i] = travel } else { large[i] = travel }
            reservoir[i] = rng.unit() < 0.08 ? 0.05 + 0.2 * rng.unit() : 0
        }
        var table = try ReachTable(
            ids: (0..<n).map { "r\($0 + 1)" }, upstream: upstream, frac: Array(repeating: 1, count: n), incrementalArea: area,
            totalArea: total,
            variables: ["forest": forest, "crops": crops, "point": point, "slope": slope, "rchdecay1": small, "rchdecay2": large,
                        "iresload": reservoir],
            source: "synthetic model")
        table.groupNames = (0..<settings.groups).map { "G\($0 + 1)" }
        table.origins = (0..<n).map { ReachTable.OriginPart(reach: $0, group: group[$0], sourceShares: ["forest": 1, "crops": 1, "point": 1]) }
        let parameters = [
            CalibrationParameter(name: "forest", kind: .source, initial: 100, lower: 0, upper: 10_000),
            CalibrationParameter(name: "crops", kind: .source, initial: 500, lower: 0, upper: 50_000),
            CalibrationParameter(name: "point", kind: .source, initial: 0.5, lower: 0, upper: 10),
            CalibrationParameter(name: "slope", kind: .delivery, initial: 0.1, lower: -5, upper: 5),
            CalibrationParameter(name: "rchdecay1", kind: .decay, initial: 0.1, lower: 0, upper: 10),
            CalibrationParameter(name: "rchdecay2", kind: .decay, initial: 0.1, lower: 0, upper: 10),
            CalibrationParameter(name: "iresload", kind: .reservoir, initial: 1, lower: 0, upper: 100),
        ]
        let design = [[true], [true], [false]]
        let noStations = try SparrowModel(reaches: table, parameters: parameters, design: design, stations: [])
        let truth = parameters.map { trueValues[$0.name] ?? 0 }
        let predicted = noStations.evaluate(truth, conditioned: false).load
        // Stations on distinct reaches, spread over the network, larger reaches first.
        var candidates = Array(0..<n)
        for k in stride(from: n - 1, to: 0, by: -1) { candidates.swapAt(k, Int(rng.next() % UInt64(k + 1))) }
        let chosen = candidates.prefix(min(settings.stations, n)).sorted()
        let stations = chosen.map { r in
            CalibrationStation(reach: r, name: "S\(r + 1)", observedLoad: predicted[r] * exp(settings.noise * rng.standardNormal()))
        }
        let model = try SparrowModel(reaches: table, parameters: parameters, design: design, stations: stations)
        let outlets = (0..<n).filter { downstream[$0] < 0 }
        return SyntheticSparrowModel(model: model, truth: truth, targets: outlets)
    }
}
