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
///     [calibration.parameters.diffuse_1_2]  # a source class, a multiplier of its loads (below)
///     initial = 1
///     min = 0
///     max = 10
///     fixed = false
///     [calibration.delivery.slope]          # land-to-water delivery exp(α·(z − z̄)) on a raster
///     raster = "slope.tif"                  # z on the DEM's grid (resampled by averaging); z̄ its
///     initial = 0                           # mean over the basin's valid cells; a nodata cell
///     min = -1                              # counts as z̄ (factor 1); acts on the diffuse loads
///     max = 1
///     [calibration.decay.slow]              # in-stream decay (1/day) on the channel cells with
///     max_velocity_m_s = 0.3                # velocity below 0.3 m/s; the class without
///     [calibration.decay.fast]              # max_velocity_m_s takes every other channel cell;
///     initial = 0.05                        # initial: the project's [decay] rate by default
///     [calibration.settling]                # reservoir settling velocity v_s (m/yr) of the
///     initial = 10                          # reservoirs given with hydraulic_load_m_per_yr:
///                                           # each passes 1/(1 + v_s/q_s)
///
/// Source classes: `diffuse_K_CODE`, land-use class CODE of the K-th `[[diffuse]]` (one with
/// `landuse` and `coefficients`: each class present in the raster with a coefficient is a class of
/// its own); `diffuse_K` for any other `[[diffuse]]`, or for a land-use entry when all its classes
/// should share one multiplier (then none of its `diffuse_K_CODE` may be named as well); `point_K`,
/// the K-th `[[point_sources]]`. Parameters are named `diffuse_…`, `point_K`, `delivery_NAME`,
/// `decay_NAME` and `settling` in the outputs, calibration.json and manifest.json.
public struct CalibrationConfig: Sendable {
    public struct ParameterSetting: Sendable, Equatable {
        public var initial: Double?
        public var minimum: Double?
        public var maximum: Double?
        public var fixed: Bool?
        /// Where it was given ("file:line"), for messages.
        public var location = ""
    }

    /// A delivery variable on a raster.
    public struct DeliverySetting: Sendable, Equatable {
        public var name: String
        public var raster: String
        public var setting: ParameterSetting
    }

    /// A velocity class of in-stream decay.
    public struct DecaySetting: Sendable, Equatable {
        public var name: String
        public var maxVelocity: Double?
        public var setting: ParameterSetting
    }

    public var stationLoads: String?
    public var weighting: StationWeighting
    public var substitution: Bool
    public var bootstrapDraws: Int
    public var seed: UInt64
    public var level: Double
    public var parameters: [String: ParameterSetting]
    public var delivery: [DeliverySetting] = []
    /// Ordered by max_velocity_m_s, the open class last.
    public var decay: [DecaySetting] = []
    public var settling: ParameterSetting?
    /// Where the table is, for messages.
    public var location: String

    public init(_ table: ConfigTable, resolve: (String) -> String) throws {
        try table.requireOnly(["station_loads", "weights", "substitution", "bootstrap", "seed", "level", "parameters", "delivery", "decay", "settling"])
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
        func setting(_ t: ConfigTable, extra: [String] = [], nonNegative: String?) throws -> ParameterSetting {
            try t.requireOnly(["initial", "min", "max", "fixed"] + extra)
            var setting = ParameterSetting(initial: try t.number("initial"), minimum: try t.number("min"), maximum: try t.number("max"),
                                           fixed: try t.bool("fixed"))
            setting.location = t.location("initial")
            for key in ["initial", "min", "max"] {
                guard let v = try t.number(key) else { continue }
                guard v.isFinite else { throw t.error(key, "must be finite") }
                if let what = nonNegative, v < 0 { throw t.error(key, "must not be negative (\(what))") }
            }
            if let lo = setting.minimum, let hi = setting.maximum, lo > hi { throw t.error("max", "is below min") }
            if let v = setting.initial, let lo = setting.minimum, v < lo { throw t.error("initial", "is below min") }
            if let v = setting.initial, let hi = setting.maximum, v > hi { throw t.error("initial", "is above max") }
            return setting
        }
        var parameters: [String: ParameterSetting] = [:]
        if let p = try table.table("parameters") {
            for name in p.order {
                let parts = name.split(separator: "_", omittingEmptySubsequences: false)
                let numbered = parts.count >= 2 && parts.dropFirst().allSatisfy { Int($0) != nil }
                guard numbered, (parts[0] == "diffuse" && parts.count <= 3) || (parts[0] == "point" && parts.count == 2) else {
                    throw p.error(name, "is not a source class; classes are diffuse_K (the K-th [[diffuse]]), diffuse_K_CODE (its land-use class CODE) and point_K (the K-th [[point_sources]])")
                }
                guard let t = try p.table(name) else { throw p.error(name, "must be a table (initial, min, max, fixed)") }
                var s = try setting(t, nonNegative: "a source multiplier")
                s.location = p.location(name)
                parameters[name] = s
            }
        }
        var deliveries: [DeliverySetting] = [], decay: [DecaySetting] = []
        if let d = try table.table("delivery") {
            for name in d.order {
                guard let t = try d.table(name) else { throw d.error(name, "must be a table (raster, initial, min, max, fixed)") }
                guard let file = try t.string("raster") else { throw t.error("raster", "is missing: the raster of the delivery variable") }
                let path = resolve(file)
                guard FileManager.default.fileExists(atPath: path) else {
                    throw t.error("raster", "names '\(file)', which does not exist (looked for \(path))")
                }
                var s = try setting(t, extra: ["raster"], nonNegative: nil)
                s.location = d.location(name)
                deliveries.append(DeliverySetting(name: name, raster: path, setting: s))
            }
        }
        if let d = try table.table("decay") {
            var open: String?
            for name in d.order {
                guard let t = try d.table(name) else { throw d.error(name, "must be a table (max_velocity_m_s, initial, min, max, fixed)") }
                var s = try setting(t, extra: ["max_velocity_m_s"], nonNegative: "a decay rate per day")
                s.location = d.location(name)
                let top = try t.number("max_velocity_m_s")
                if let top, !(top > 0 && top.isFinite) { throw t.error("max_velocity_m_s", "must be a positive velocity (m/s)") }
                if top == nil {
                    if let open { throw t.error("max_velocity_m_s", "is missing here and in decay.\(open): one class only takes every other channel cell") }
                    open = name
                }
                decay.append(DecaySetting(name: name, maxVelocity: top, setting: s))
            }
            if !decay.isEmpty && open == nil {
                throw d.error(d.order.first ?? "", "every decay class has max_velocity_m_s; one must have none (it takes every faster channel cell)")
            }
            decay.sort { ($0.maxVelocity ?? .infinity) < ($1.maxVelocity ?? .infinity) }
            for k in decay.indices.dropFirst() where decay[k].maxVelocity != nil && decay[k].maxVelocity == decay[k - 1].maxVelocity {
                throw d.error(decay[k].name, "has the same max_velocity_m_s as decay.\(decay[k - 1].name)")
            }
        }
        var settling: ParameterSetting?
        if let t = try table.table("settling") {
            settling = try setting(t, nonNegative: "a settling velocity in m/yr")
            settling?.location = table.location("settling")
        }
        self.settling = settling
        self.delivery = deliveries
        self.decay = decay
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
