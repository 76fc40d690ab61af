import Foundation

/// Everything one run needs, read from a project file (TOML or JSON). Relative paths are relative
/// to the project file. Unknown keys, wrong types and missing inputs are errors naming the key and
/// the file's line, reported before any long work starts.
public struct ProjectConfig: Sendable {
    public struct PointSourceInput: Sendable {
        public var file: String
        public var unit: LoadUnit
        public var idField: String?
        public var fields: [Pollutant: String]
        public var snapRadius: Double?
    }

    public enum DiffuseInput: Sendable {
        /// A land-use raster and a CSV of export coefficients (class, pollutant, kg/ha/yr).
        case exportCoefficients(landuse: String, coefficients: String)
        /// A load raster for one pollutant, kg/ha/yr (per area) or kg/yr (per cell).
        case loadRaster(file: String, pollutant: Pollutant, perHectare: Bool)
        /// The same areal export on every valid cell, kg/ha/yr (a background or first estimate).
        case uniform(pollutant: Pollutant, kgPerHectarePerYear: Double)
    }

    public struct ReservoirInput: Sendable {
        public var file: String
        public var nameField: String?
        public var retention: Reservoir.Retention
    }

    public struct LinkInput: Sendable {
        public var file: String
        public var nameField: String?
        public var shareField: String?
        public var share: Double
    }

    public var file: String
    public var source: ConfigTable
    public var name: String
    public var output: String
    public var threads: Int

    /// The DEM; nil for a compensation-only project (scheme, monitoring and attributed_loads).
    public var dem: String?
    public var demBand: Int
    public var rivers: String?
    public var jurisdictions: String?
    public var sections: String?
    public var monitoring: String?
    public var scheme: String?
    /// Attributed loads supplied from outside (party, section, pollutant, load), used instead of the run's attribution.
    public var attributedLoads: String?

    public var conditioning: Conditioning
    public var burnDepth: Double
    public var burnBuffer: Int
    public var streamThresholdKm2: Double

    public var jurisdictionIdField: String
    /// Text encoding of a shapefile's names when it has no .cpg ("CP936" for GBK); guessed when absent.
    public var jurisdictionEncoding: String?
    public var jurisdictionNameField: String?
    public var jurisdictionLevels: [String]
    /// Another layer of the same units, to detect a systematic shift (GCJ-02 labelled WGS 84).
    public var jurisdictionReference: String?
    public var jurisdictionReferenceIdField: String?

    public var sectionIdField: String?
    public var sectionNameField: String?
    public var sectionSnapRadius: Double
    /// Sections snap only to stream cells draining at least this much (km²; 0: any stream cell).
    public var sectionSnapMinimumAreaKm2: Double
    public var sectionTolerance: Double?

    public var transport: TransportParameters
    public var pointSources: [PointSourceInput]
    public var diffuse: [DiffuseInput]
    public var reservoirs: [ReservoirInput]
    public var links: [LinkInput]
    /// The `[calibration]` table, when the project has one.
    public var calibration: CalibrationConfig?

    /// All input files named, for checksums and existence checks.
    public var inputFiles: [String] {
        var files = [dem, rivers, jurisdictions, jurisdictionReference, sections, monitoring, scheme, attributedLoads,
                     calibration?.stationLoads].compactMap { $0 }
        files += pointSources.map(\.file) + reservoirs.map(\.file) + links.map(\.file) + (calibration?.delivery.map(\.raster) ?? [])
        for d in diffuse {
            switch d {
            case .exportCoefficients(let l, let c): files += [l, c]
            case .loadRaster(let f, _, _): files.append(f)
            case .uniform: break
            }
        }
        return files
    }

    public var pollutants: [Pollutant] {
        var set = Set(transport.decayPerDay.keys)
        for p in pointSources { set.formUnion(p.fields.keys) }
        for d in diffuse {
            if case .loadRaster(_, let p, _) = d { set.insert(p) }
            if case .uniform(let p, _) = d { set.insert(p) }
        }
        return set.sorted()
    }

    /// Reads a project file, with `overrides` ("decay.TP=0.05") applied on top.
    public static func load(_ path: String, overrides: [String] = []) throws -> ProjectConfig {
        var root = try ConfigFile.load(path)
        for o in overrides { try root.override(o) }
        return try ProjectConfig(root, file: path)
    }

    public init(_ root: ConfigTable, file: String) throws {
        self.file = file
        source = root
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func resolve(_ p: String) -> String {
            p.hasPrefix("/") || p.hasPrefix("/vsi") ? p : base.appendingPathComponent(p).standardizedFileURL.path
        }
        func existing(_ table: ConfigTable, _ key: String) throws -> String? {
            guard let p = try table.string(key) else { return nil }
            let resolved = resolve(p)
            guard resolved.hasPrefix("/vsi") || FileManager.default.fileExists(atPath: VectorReader.splitLayer(resolved).file) else {
                throw table.error(key, "names '\(p)', which does not exist (looked for \(resolved))")
            }
            do { try InputFile.requireRegular(VectorReader.splitLayer(resolved).file) } catch let e as HydroError {
                throw table.error(key, "names '\(p)', which \(e.message)")
            }
            return resolved
        }
        try root.requireOnly(["project", "inputs", "terrain", "jurisdictions", "sections", "transport", "decay",
                              "point_sources", "diffuse", "reservoirs", "links", "calibration"])
        let project = try root.table("project") ?? ConfigTable(file: file, path: "project")
        try project.requireOnly(["name", "output", "threads"])
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        name = try project.string("name") ?? stem
        let outputName = try project.string("output") ?? "\(stem)-output"
        guard !outputName.trimmingWhitespace().isEmpty else { throw project.error("output", "must name a folder (it is empty)") }
        output = resolve(outputName)
        threads = try project.integer("threads", in: 1...256) ?? 2

        guard let inputs = try root.table("inputs") else {
            throw HydroError(.invalidInput, file, "has no [inputs] table (it must name at least the dem, or for compensation only the scheme and monitoring)")
        }
        try inputs.requireOnly(["dem", "dem_band", "rivers", "jurisdictions", "sections", "monitoring", "scheme", "attributed_loads"])
        dem = try existing(inputs, "dem")
        demBand = try inputs.integer("dem_band", in: 1...65535) ?? 1
        rivers = try existing(inputs, "rivers")
        jurisdictions = try existing(inputs, "jurisdictions")
        sections = try existing(inputs, "sections")
        monitoring = try existing(inputs, "monitoring")
        scheme = try existing(inputs, "scheme")
        attributedLoads = try existing(inputs, "attributed_loads")
        if dem == nil {
            // Compensation only: a scheme and monitoring, loads (if any) from attributed_loads, no terrain.
            guard scheme != nil, monitoring != nil else {
                throw inputs.error("dem", "is missing (a project without a DEM settles compensation only, and needs scheme and monitoring)")
            }
            for key in ["rivers", "jurisdictions", "sections", "dem_band"] where inputs.has(key) {
                throw inputs.error(key, "needs a dem; a project without one settles compensation only")
            }
        }

        let terrain = try root.table("terrain") ?? ConfigTable(file: file, path: "terrain")
        try terrain.requireOnly(["conditioning", "burn_depth_m", "burn_buffer_cells", "stream_threshold_km2"])
        guard let conditioning = Conditioning(rawValue: try terrain.string("conditioning") ?? "fill") else {
            throw terrain.error("conditioning", "must be \"fill\" or \"breach\"")
        }
        self.conditioning = conditioning
        burnDepth = try terrain.number("burn_depth_m") ?? 10
        burnBuffer = try terrain.integer("burn_buffer_cells", in: 0...1000) ?? 0
        streamThresholdKm2 = try terrain.number("stream_threshold_km2") ?? 10
        guard burnDepth > 0, burnDepth <= 10_000 else { throw terrain.error("burn_depth_m", "must be positive and at most 10000 m, got \(burnDepth)") }
        guard streamThresholdKm2 > 0 else { throw terrain.error("stream_threshold_km2", "must be positive") }

        let j = try root.table("jurisdictions") ?? ConfigTable(file: file, path: "jurisdictions")
        try j.requireOnly(["id_field", "name_field", "levels", "reference", "reference_id_field", "encoding"])
        jurisdictionReference = try existing(j, "reference")
        jurisdictionReferenceIdField = try j.string("reference_id_field")
        jurisdictionEncoding = try j.string("encoding")
        jurisdictionIdField = try j.string("id_field") ?? "code"
        jurisdictionNameField = try j.string("name_field")
        jurisdictionLevels = try j.strings("levels") ?? ["county", "prefecture", "province"]
        for level in jurisdictionLevels where !["county", "prefecture", "province"].contains(level) {
            throw j.error("levels", "holds '\(level)'; levels are county, prefecture and province")
        }

        let s = try root.table("sections") ?? ConfigTable(file: file, path: "sections")
        try s.requireOnly(["id_field", "name_field", "snap_radius_m", "snap_min_area_km2", "tolerance_m"])
        sectionIdField = try s.string("id_field")
        sectionNameField = try s.string("name_field")
        sectionSnapRadius = try s.number("snap_radius_m") ?? 0
        sectionTolerance = try s.number("tolerance_m")
        sectionSnapMinimumAreaKm2 = try s.number("snap_min_area_km2") ?? 0
        guard sectionSnapMinimumAreaKm2 >= 0, sectionSnapMinimumAreaKm2 <= 1e8 else { throw s.error("snap_min_area_km2", "must lie in 0…100,000,000 km²") }
        if sectionSnapMinimumAreaKm2 > 0, sectionSnapRadius == 0 { throw s.error("snap_min_area_km2", "needs a snap_radius_m (sections are not snapped without one)") }
        guard sectionSnapRadius >= 0, sectionSnapRadius <= 1e6 else { throw s.error("snap_radius_m", "must lie in 0…1,000,000 m") }
        if let t = sectionTolerance, !(t >= 0 && t <= 1e7) { throw s.error("tolerance_m", "must lie in 0…10,000,000 m") }

        transport = try Self.transport(root)
        pointSources = try root.tables("point_sources").map { t in
            try t.requireOnly(["file", "unit", "id_field", "fields", "snap_radius_m"])
            guard let f = try existing(t, "file") else { throw t.error("file", "is missing") }
            guard let fieldTable = try t.table("fields") else { throw t.error("fields", "is missing (e.g. fields = { TP = \"tp_kg\" })") }
            var fields: [Pollutant: String] = [:]
            for key in fieldTable.order {
                fields[try Pollutant(parsing: key, parameter: fieldTable.location(key))] = try fieldTable.requireString(key)
            }
            if let r = try t.number("snap_radius_m"), !(r >= 0 && r <= 1e6) { throw t.error("snap_radius_m", "must lie in 0…1,000,000 m") }
            return PointSourceInput(file: f, unit: try LoadUnit(parsing: try t.string("unit") ?? "kg/yr", parameter: t.location("unit")),
                                    idField: try t.string("id_field"), fields: fields, snapRadius: try t.number("snap_radius_m"))
        }
        diffuse = try root.tables("diffuse").map { t in
            try t.requireOnly(["landuse", "coefficients", "raster", "pollutant", "unit", "rate_kg_ha_yr"])
            try t.requireExclusive(["landuse", "raster", "rate_kg_ha_yr"])
            if t.has("landuse") { try t.requireExclusive(["landuse", "pollutant"]); try t.requireExclusive(["landuse", "unit"]) }
            if t.has("rate_kg_ha_yr") { try t.requireExclusive(["rate_kg_ha_yr", "unit"]) }
            if let rate = try t.number("rate_kg_ha_yr") {
                guard rate >= 0 else { throw t.error("rate_kg_ha_yr", "must not be negative") }
                return .uniform(pollutant: try Pollutant(parsing: try t.requireString("pollutant"), parameter: t.location("pollutant")), kgPerHectarePerYear: rate)
            }
            if let landuse = try existing(t, "landuse") {
                guard let coefficients = try existing(t, "coefficients") else { throw t.error("coefficients", "is needed with landuse") }
                return .exportCoefficients(landuse: landuse, coefficients: coefficients)
            }
            guard let raster = try existing(t, "raster") else { throw t.error("raster", "or landuse is needed") }
            let pollutant = try Pollutant(parsing: try t.requireString("pollutant"), parameter: t.location("pollutant"))
            let unit = try t.string("unit") ?? "kg/ha/yr"
            guard ["kg/ha/yr", "kg/yr"].contains(unit) else { throw t.error("unit", "must be \"kg/ha/yr\" or \"kg/yr\" (per cell)") }
            return .loadRaster(file: raster, pollutant: pollutant, perHectare: unit == "kg/ha/yr")
        }
        reservoirs = try root.tables("reservoirs").map { t in
            try t.requireOnly(["file", "name_field", "retained", "settling_velocity_m_per_yr", "hydraulic_load_m_per_yr"])
            try t.requireExclusive(["retained", "settling_velocity_m_per_yr"])
            try t.requireExclusive(["retained", "hydraulic_load_m_per_yr"])
            guard let f = try existing(t, "file") else { throw t.error("file", "is missing") }
            func perPollutant(_ key: String) throws -> [Pollutant: Double] {
                guard let table = try t.table(key) else { return [:] }
                var values: [Pollutant: Double] = [:]
                for k in table.order { values[try Pollutant(parsing: k, parameter: table.location(k))] = try table.requireNumber(k) }
                return values
            }
            let retention: Reservoir.Retention
            if t.has("retained") {
                let fractions = try perPollutant("retained")
                for (p, v) in fractions where !(v >= 0 && v <= 1) { throw t.error("retained", "for \(p.name) must lie in 0…1, got \(v)") }
                retention = .fractions(fractions)
            } else {
                let qs = try t.number("hydraulic_load_m_per_yr") ?? 0
                guard qs > 0 else { throw t.error("hydraulic_load_m_per_yr", "must be positive (or give retained fractions)") }
                retention = .arealHydraulicLoad(settlingVelocity: try perPollutant("settling_velocity_m_per_yr"), hydraulicLoad: qs)
            }
            return ReservoirInput(file: f, nameField: try t.string("name_field"), retention: retention)
        }
        links = try root.tables("links").map { t in
            try t.requireOnly(["file", "name_field", "share_field", "share"])
            guard let f = try existing(t, "file") else { throw t.error("file", "is missing") }
            let share = try t.number("share") ?? 1
            guard share > 0, share <= 1 else { throw t.error("share", "must lie in (0, 1]") }
            return LinkInput(file: f, nameField: try t.string("name_field"), shareField: try t.string("share_field"), share: share)
        }
        calibration = try root.table("calibration").map { try CalibrationConfig($0, resolve: resolve) }
        if dem == nil {
            for key in ["point_sources", "diffuse", "reservoirs", "links", "calibration"] where root.has(key) {
                throw root.error(key, "needs [inputs] dem: a project without one settles compensation only")
            }
        }
    }

    static func transport(_ root: ConfigTable) throws -> TransportParameters {
        var parameters = TransportParameters()
        if let t = try root.table("transport") {
            try t.requireOnly(["velocity_m_per_s", "velocity_a", "velocity_b", "delivery_ratio", "delivery_length_scale_m"])
            try t.requireExclusive(["velocity_m_per_s", "velocity_a"])
            try t.requireExclusive(["velocity_m_per_s", "velocity_b"])
            try t.requireExclusive(["delivery_ratio", "delivery_length_scale_m"])
            if t.has("velocity_b") && !t.has("velocity_a") { throw t.error("velocity_b", "needs velocity_a (v = a·A^b)") }
            if let v = try t.number("velocity_m_per_s") { parameters.velocity = .constant(v) }
            if let a = try t.number("velocity_a") { parameters.velocity = .powerLaw(a: a, b: try t.number("velocity_b") ?? 0) }
            if let r = try t.number("delivery_ratio") { parameters.delivery = .constant(r) }
            if let l = try t.number("delivery_length_scale_m") { parameters.delivery = .exponential(lengthScale: l) }
        }
        if let decay = try root.table("decay") {
            for key in decay.order {
                let p = try Pollutant(parsing: key, parameter: decay.location(key))
                parameters.decayPerDay[p] = try decay.requireNumber(key)
            }
        }
        do { try parameters.validate() } catch let error as HydroError {
            throw HydroError(error.kind, root.file, "\(error.subject): \(error.message)")
        }
        return parameters
    }
}

/// How the terrain step removes depressions before D8.
public enum Conditioning: String, Sendable, Codable {
    /// Priority-Flood filling (Barnes et al. 2014).
    case fill
    /// Least-cost breaching (Lindsay 2016), then filling what remains.
    case breach
}
