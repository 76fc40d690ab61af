import Foundation

/// A project's `[calibration]` table:
///
///     [calibration]
///     station_loads = "station_loads.csv"   # station, pollutant, load (kg/yr), optional weight;
///                                           # without it, mean annual loads from [inputs] monitoring
///     weights = "equal"                     # equal | column | power
///     substitution = true                   # monitoring-load substitution during estimation
///     bootstrap = 200                       # draws (0: none)
///     seed = 1
///     level = 0.9
///     [calibration.parameters.diffuse_1]    # a source class: diffuse_K ([[diffuse]] K) or point_K
///     initial = 1                           # ([[point_sources]] K), a multiplier of its loads
///     min = 0
///     max = 10
///     fixed = false
public struct CalibrationConfig: Sendable {
    public struct ParameterSetting: Sendable, Equatable {
        public var initial: Double?
        public var minimum: Double?
        public var maximum: Double?
        public var fixed: Bool?
    }

    public var stationLoads: String?
    public var weighting: StationWeighting
    public var substitution: Bool
    public var bootstrapDraws: Int
    public var seed: UInt64
    public var level: Double
    public var parameters: [String: ParameterSetting]
    /// Where the table is, for messages.
    public var location: String

    public init(_ table: ConfigTable, resolve: (String) -> String) throws {
        try table.requireOnly(["station_loads", "weights", "substitution", "bootstrap", "seed", "level", "parameters"])
        location = table.location("weights")
        if let file = try table.string("station_loads") {
            let path = resolve(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw table.error("station_loads", "names '\(file)', which does not exist (looked for \(path))")
            }
            stationLoads = path
        }
        let w = try table.string("weights") ?? "equal"
        guard let weighting = StationWeighting(rawValue: w) else { throw table.error("weights", "must be \"equal\", \"column\" or \"power\", not '\(ConfigText.clip(w))'") }
        self.weighting = weighting
        substitution = try table.bool("substitution") ?? true
        bootstrapDraws = try table.integer("bootstrap", in: 0...100_000) ?? 200
        if bootstrapDraws > 0 && bootstrapDraws < 10 { throw table.error("bootstrap", "must be 0 (none) or at least 10 draws") }
        seed = UInt64(try table.integer("seed", in: 0...Int(Int32.max)) ?? 1)
        level = try table.number("level") ?? 0.9
        guard level > 0, level < 1 else { throw table.error("level", "must lie strictly between 0 and 1") }
        var parameters: [String: ParameterSetting] = [:]
        if let p = try table.table("parameters") {
            for name in p.order {
                guard name.hasPrefix("diffuse_") || name.hasPrefix("point_"), Int(name.split(separator: "_").last ?? "") != nil else {
                    throw p.error(name, "is not a source class; classes are diffuse_K (the K-th [[diffuse]]) and point_K (the K-th [[point_sources]])")
                }
                guard let t = try p.table(name) else { throw p.error(name, "must be a table (initial, min, max, fixed)") }
                try t.requireOnly(["initial", "min", "max", "fixed"])
                let setting = ParameterSetting(initial: try t.number("initial"), minimum: try t.number("min"), maximum: try t.number("max"),
                                               fixed: try t.bool("fixed"))
                if let lo = setting.minimum, lo < 0 { throw t.error("min", "must not be negative (a source multiplier)") }
                if let lo = setting.minimum, let hi = setting.maximum, lo > hi { throw t.error("max", "is below min") }
                parameters[name] = setting
            }
        }
        self.parameters = parameters
    }
}

/// Observed loads for calibration, per section and pollutant.
public struct StationLoadRow: Sendable, Equatable {
    public var section: String
    public var pollutant: Pollutant
    public var kgPerYear: Double
    public var weight: Double
    public var location: String
    /// Months behind a load computed from monitoring (empty for a given load).
    public var monthsUsed: [String] = []
    public var monthsMissing: [String] = []
}

extension StationLoadRow {
    /// Reads a station-loads CSV: station, pollutant, load (kg/yr), optional weight.
    public static func read(_ path: String) throws -> [StationLoadRow] {
        let csv = try CSVTable.load(path)
        let station = try csv.column("station", "section"), pollutant = try csv.column("pollutant"), load = try csv.column("load", "load_kg_yr")
        let weight = csv.optionalColumn("weight")
        var seen: [String: Int] = [:]
        return try csv.rows.indices.map { r in
            let p = try Pollutant(parsing: csv.rows[r][pollutant], parameter: csv.location(r))
            let value = try csv.number(r, load)
            guard value > 0 else { throw HydroError(.invalidInput, csv.location(r), "load is \(fmtShort(value)); station loads must be positive kg/yr") }
            let w = try weight.map { try csv.number(r, $0) } ?? 1
            guard w > 0 else { throw HydroError(.invalidInput, csv.location(r), "weight is \(fmtShort(w)); weights must be positive") }
            let key = csv.rows[r][station] + "\u{1}" + p.name
            if let first = seen[key] { throw HydroError(.invalidInput, csv.location(r), "station \(csv.rows[r][station]) has a \(p.name) load on line \(first) already") }
            seen[key] = csv.lines[r]
            return StationLoadRow(section: csv.rows[r][station], pollutant: p, kgPerYear: value, weight: w, location: csv.location(r))
        }
    }
}
