import Foundation

/// One pollutant's calibration on a project's reach graph.
public struct ProjectCalibration: Sendable {
    public var pollutant: Pollutant
    public var fit: CalibrationResult
    /// The bootstrap with origins at the finest level (counties, "outside" last).
    public var bootstrap: Bootstrap.Result?
    /// The bootstrap summed to each of the project's levels, in the project's order, with "name code" labels of the units.
    public var byLevel: [(level: String, result: Bootstrap.Result, labels: [String])] = []
    /// Section ids of the bootstrap's targets, in order.
    public var sections: [String]
    public var stationLoads: [StationLoadRow]
    public var folder: String
    public var options = CalibrationOptions()
}

extension ProjectRun {
    /// The source classes of the project (see `CalibrationConfig`): each land-use class of a
    /// [[diffuse]] entry with land use (`diffuse_K_CODE`, unless `diffuse_K` is named in `settings`),
    /// any other [[diffuse]] entry (`diffuse_K`) and each [[point_sources]] entry (`point_K`). Each
    /// class's loads at a coefficient of 1 add up to the project's own.
    func sourceClasses(_ settings: CalibrationConfig?) throws -> [SourceClass] {
        let network = try network()
        // Reading the sources again must not list the point sources in point_sources.csv twice.
        let placedRows = pointSourceRows
        defer { pointSourceRows = placedRows }
        let named = settings?.parameters ?? [:]
        var classes: [SourceClass] = []
        for (k, d) in config.diffuse.enumerated() {
            var c = config
            c.diffuse = [d]
            c.pointSources = []
            let whole = "diffuse_\(k + 1)"
            guard case .exportCoefficients = d, named[whole] == nil else {
                if case .exportCoefficients(let landuse, _) = d, let mixed = named.keys.sorted().first(where: { $0.hasPrefix(whole + "_") }),
                   let setting = named[mixed] {
                    throw HydroError(.invalidInput, setting.location,
                                     "'calibration.parameters.\(mixed)' and 'calibration.parameters.\(whole)' are both given: \(whole) multiplies the whole land use of \((landuse as NSString).lastPathComponent), so its classes cannot have their own")
                }
                classes.append(SourceClass(name: whole, sources: try ProjectInputs.sources(c, network: network, run: self), isDiffuse: true))
                continue
            }
            let codes = try ProjectInputs.landuseClasses(d, geometry: network.geometry)
            for code in codes {
                classes.append(SourceClass(name: "\(whole)_\(code)", sources: try ProjectInputs.sources(c, network: network, run: self, onlyClass: code),
                                           isDiffuse: true, entry: whole))
            }
        }
        for (k, p) in config.pointSources.enumerated() {
            var c = config
            c.diffuse = []
            c.pointSources = [p]
            classes.append(SourceClass(name: "point_\(k + 1)", sources: try ProjectInputs.sources(c, network: network, run: self), isDiffuse: false))
        }
        let known = Set(classes.map(\.name))
        for (name, setting) in named.sorted(by: { $0.key < $1.key }) where !known.contains(name) {
            throw HydroError(.invalidInput, setting.location,
                             "'calibration.parameters.\(name)' is not a source class of the project (classes: \(classes.map(\.name).joined(separator: ", ")))")
        }
        return classes
    }

    /// Observed loads: the [calibration] station_loads CSV, or mean annual loads from the monitoring CSV.
    func stationLoads(_ settings: CalibrationConfig) throws -> [StationLoadRow] {
        if let file = settings.stationLoads { return try StationLoadRow.read(file) }
        guard let monitoring = config.monitoring else {
            throw HydroError(.invalidInput, settings.location, "[calibration] needs station_loads or [inputs] monitoring")
        }
        return try MonitoringData.load(monitoring).annualLoads().map { a in
            StationLoadRow(section: a.section, pollutant: a.pollutant, kgPerYear: a.kgPerYear, weight: 1, location: monitoring,
                           monthsUsed: a.monthsUsed, monthsMissing: a.monthsMissing)
        }
    }

    /// `hydrotool calibrate PROJECT`: runs the steps through loads, then fits each pollutant that has
    /// station loads on the reach graph and writes `calibration/<pollutant>/` in the output folder.
    public func calibrate() throws -> [ProjectCalibration] {
        guard let settings = config.calibration else {
            throw HydroError(.invalidInput, config.file, "has no [calibration] table")
        }
        let rows = try stationLoads(settings)
        try runThrough(.loads)
        let sections = try sections()
        let reaches = try reachGraph()
        var sectionReach: [String: Int] = [:]
        for s in sections { if let cell = s.cell, let r = reaches.reach(endingAt: cell) { sectionReach[s.id] = r } }
        let known = sections.map(\.id)
        for row in rows where sectionReach[row.section] == nil {
            throw HydroError(.invalidInput, row.location, known.contains(row.section)
                ? "station \(row.section) could not be placed on the river network"
                : "station \(row.section) is not a section of the project (sections: \(known.joined(separator: ", ")))")
        }
        let classes = try sourceClasses(settings)
        guard !classes.isEmpty else { throw HydroError(.invalidInput, config.file, "has no [[diffuse]] or [[point_sources]] to calibrate") }
        let delivery = try deliveryVariables(settings)
        var results: [ProjectCalibration] = []
        for pollutant in Set(rows.map(\.pollutant)).sorted() {
            let mine = rows.filter { $0.pollutant == pollutant }
            for row in mine where !row.monthsMissing.isEmpty {
                log("calibration: \(row.section) \(pollutant.name): mean annual load from \(row.monthsUsed.count) months (\(row.monthsUsed.first ?? "")…\(row.monthsUsed.last ?? "")); missing \(row.monthsMissing.joined(separator: ", "))")
            }
            let all = try aggregation(for: pollutant, classes: classes, delivery: delivery, settings: settings)
            let cellParameters = cellLevelParameters(settings, pollutant: pollutant, model: all.model)
            let initial = cellParameters.map(\.initial)
            let first = all.aggregate(initial)
            let active = classes.indices.filter { first.sources[$0].contains { $0 > 0 } }
            var parameters = active.map { k -> CalibrationParameter in
                let name = classes[k].name, s = settings.parameters[name]
                return CalibrationParameter(name: name, kind: .source, initial: s?.initial ?? 1, lower: s?.minimum ?? 0,
                                            upper: s?.maximum ?? 100, isFixed: s?.fixed ?? false,
                                            description: "multiplier of the \(name) loads")
            }
            parameters += cellParameters
            let aggregation = try self.aggregation(for: pollutant, classes: active.map { classes[$0] }, delivery: delivery, settings: settings)
            let (table, cellLevel) = try reachTable(aggregation, classes: active.map { classes[$0].name }, values: initial,
                                                    parameterIndices: Array(active.count..<parameters.count))
            let stations = mine.compactMap { row in
                sectionReach[row.section].map { r in
                    let placed = sections.first { $0.id == row.section }
                    return CalibrationStation(reach: r, name: row.section, observedLoad: row.kgPerYear, weight: row.weight,
                                              longitude: placed?.placed?.x, latitude: placed?.placed?.y, location: row.location)
                }
            }
            let model = try SparrowModel(reaches: table, parameters: parameters, design: Array(repeating: [], count: active.count),
                                         stations: stations, cellLevel: cellLevel)
            var options = CalibrationOptions()
            options.weighting = settings.weighting
            options.conditioned = settings.substitution
            let fit: CalibrationResult
            do { fit = try Calibration.fit(model, options: options) } catch let e as HydroError {
                throw HydroError(e.kind, e.subject, "\(pollutant.name): \(e.message)")
            }
            var boot: Bootstrap.Result?
            let targets = sections.compactMap { sectionReach[$0.id] }
            if settings.bootstrapDraws > 0 {
                var b = Bootstrap.Settings()
                b.draws = settings.bootstrapDraws
                b.seed = settings.seed
                b.level = settings.level
                boot = try Bootstrap.run(fit, targets: targets, settings: b)
            }
            let folder = path("calibration/\(pollutant.name)")
            try CalibrationOutputs.write(fit, options: options, bootstrap: boot, crs: try geometry.crs, to: folder, overwrite: true)
            var result = ProjectCalibration(pollutant: pollutant, fit: fit, bootstrap: boot,
                                            sections: sections.filter { sectionReach[$0.id] != nil }.map(\.id), stationLoads: mine, folder: folder)
            result.options = options
            if let boot { result.byLevel = try bootstrapByLevel(boot) }
            results.append(result)
        }
        try writeAttributionIntervals(try writeCalibrationSummary(results))
        return results
    }

    /// The bootstrap (origins at county level) summed to each of the project's levels.
    func bootstrapByLevel(_ boot: Bootstrap.Result) throws -> [(level: String, result: Bootstrap.Result, labels: [String])] {
        guard let counties = try jurisdictionMap(), boot.groupNames.count == counties.units.count + 1 else {
            return [(config.jurisdictionLevels.first ?? "county", boot, boot.groupNames)]
        }
        return config.jurisdictionLevels.compactMap(JurisdictionMap.Level.init(rawValue:)).map { level in
            let grouping = counties.grouping(to: level)
            let mapping = grouping.mapping.map(Int.init) + [grouping.units.count]
            let labels = grouping.units.map { $0.name == $0.id ? $0.id : "\($0.name) \($0.id)" } + ["outside (unknown)"]
            return (level.rawValue, boot.grouped(mapping, names: grouping.units.map(\.id) + ["outside"]), labels)
        }
    }

    static let attributionIntervalsFile = "calibration/attribution_intervals.csv"

    /// calibration/attribution_intervals.csv: per pollutant, section and origin at the project's first
    /// level, the bootstrap intervals of the section load, the origin's load and its share; the
    /// attribution step adds them to attribution.csv as columns.
    func writeAttributionIntervals(_ record: CalibrationRecord) throws {
        let percent = fmtShort(100 * (record.intervalLevel ?? 0.9))
        var rows: [[String]] = []
        for entry in record.pollutants {
            for i in entry.intervals {
                let l = i.sectionLoad, o = i.load, s = i.share
                rows.append([i.level ?? record.level, i.section, entry.pollutant, i.origin, i.name ?? i.origin, fmt(l.value), fmt(l.lower), fmt(l.upper), fmt(o.value), fmt(o.lower),
                             fmt(o.upper), fmt(s.value), fmt(s.lower), fmt(s.upper)])
            }
        }
        let target = path(Self.attributionIntervalsFile)
        guard !rows.isEmpty else { try? FileManager.default.removeItem(atPath: target); return }
        let header = ["level", "section_id", "pollutant", "origin_id", "origin_name", "section_load_kg_yr", "section_load_lower_\(percent)", "section_load_upper_\(percent)",
                      "load_kg_yr", "load_lower_\(percent)", "load_upper_\(percent)", "share", "share_lower_\(percent)", "share_upper_\(percent)"]
        let text = CSVWriter.text(header: header, rows: rows)
        try AtomicOutput.write(text, to: target, overwrite: true)
    }

    /// The record `hydrotool calibrate` left in the output folder, nil when the project has no
    /// [calibration] table or has not been calibrated yet.
    public func calibrationRecord() throws -> CalibrationRecord? {
        guard config.calibration != nil else { return nil }
        let file = path(CalibrationRecord.file)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        return try CalibrationRecord.load(file)
    }

    /// The bootstrap intervals of the calibration record by "level|section|pollutant|origin": the
    /// cells to append to an attribution.csv row (load lower, upper, share lower, upper), with the
    /// header names; nil without a calibration that has a bootstrap.
    func attributionIntervals() throws -> (header: [String], cells: [String: [String]])? {
        guard let record = try calibrationRecord(), let level = record.intervalLevel else { return nil }
        let percent = fmtShort(100 * level)
        var cells: [String: [String]] = [:]
        for entry in record.pollutants {
            for i in entry.intervals {
                cells[[i.level ?? record.level, i.section, entry.pollutant, i.origin].joined(separator: "|")] =
                    [fmt(i.load.lower), fmt(i.load.upper), fmt(i.share.lower), fmt(i.share.upper)]
            }
        }
        guard !cells.isEmpty else { return nil }
        return (["load_lower_\(percent)", "load_upper_\(percent)", "share_lower_\(percent)", "share_upper_\(percent)"], cells)
    }

    /// calibration/calibration.json: the estimates per pollutant and source class, with the stations'
    /// loads and the months behind them; the file a later run reads its calibrated coefficients from.
    func writeCalibrationSummary(_ results: [ProjectCalibration]) throws -> CalibrationRecord {
        let level = config.jurisdictionLevels.first ?? "county"
        let entries = results.map { r -> CalibrationRecord.Entry in
            var intervals: [CalibrationRecord.OriginInterval] = []
            for (level, boot, labels) in r.byLevel {
                for (k, section) in r.sections.enumerated() where k < boot.shares.count {
                    for (g, origin) in boot.groupNames.enumerated() where boot.originLoads[k][g].value > 0 {
                        intervals.append(.init(level: level, section: section, origin: origin, name: labels[g], sectionLoad: boot.loads[k],
                                               load: boot.originLoads[k][g], share: boot.shares[k][g]))
                    }
                }
            }
            // Every draw's load by county at every section, for the settlement's intervals.
            var draws: [CalibrationRecord.SectionDraws] = []
            if let boot = r.bootstrap {
                let groups = boot.groupNames.count
                for (k, section) in r.sections.enumerated() where k < boot.targets.count {
                    let kept = (0..<groups).filter { g in boot.originLoads[k][g].value > 0 || boot.drawLoads.contains { $0[k * groups + g] > 0 } }
                    draws.append(.init(section: section, origins: kept.map { boot.groupNames[$0] },
                                       loads: boot.drawLoads.map { row in kept.map { row[k * groups + $0] } }))
                }
            }
            return CalibrationRecord.Entry(
                pollutant: r.pollutant.name, coefficients: r.fit.estimates,
                standardErrors: Dictionary(uniqueKeysWithValues: r.fit.statistics.parameters.map { ($0.name, $0.standardError) }),
                stations: r.stationLoads.map { .init(section: $0.section, loadKgPerYear: $0.kgPerYear, monthsUsed: $0.monthsUsed, monthsMissing: $0.monthsMissing) },
                intervals: intervals, draws: r.bootstrap == nil ? nil : draws,
                fit: CalibrationSummary(r.fit, options: r.options, bootstrap: r.bootstrap?.settings), diagnostics: r.fit.statistics.stations)
        }
        let record = CalibrationRecord(level: level, intervalLevel: results.compactMap { $0.bootstrap?.settings.level }.first, pollutants: entries)
        let data = try record.encoded()
        let target = path(CalibrationRecord.file)
        try AtomicOutput.write(data, to: target, overwrite: true)
        return record
    }
}

extension ProjectRun {
    /// The coefficients of `calibration/calibration.json` in the output folder, when the project has a
    /// [calibration] table and `hydrotool calibrate` wrote them: per pollutant, per source class.
    public func calibratedCoefficients() throws -> [Pollutant: [String: Double]]? {
        guard let record = try calibrationRecord() else { return nil }
        var out: [Pollutant: [String: Double]] = [:]
        for e in record.pollutants { out[try Pollutant(parsing: e.pollutant, parameter: path(CalibrationRecord.file))] = e.coefficients }
        return out
    }

    /// The project's sources with each source class of a calibrated pollutant multiplied by its
    /// coefficient, and its diffuse classes by the calibrated delivery exp(Σₖ αₖ (zₖ − z̄ₖ)).
    func calibratedSources(_ coefficients: [Pollutant: [String: Double]], plain: LoadSources) throws -> LoadSources {
        var result = plain
        let settings = config.calibration
        let classes = try sourceClasses(settings)
        let delivery = try settings.map { try deliveryVariables($0) } ?? []
        for (p, c) in coefficients {
            guard plain.generated.contains(p) else { continue }
            let alpha = (settings?.delivery ?? []).map { c[Self.deliveryName($0)] ?? 0 }
            var combined = [Double](repeating: 0, count: plain.cellCount)
            for cls in classes {
                guard let g = cls.sources.generated[p] else { continue }
                // A record made when the land use was one class still scales all its classes.
                let beta = c[cls.name] ?? cls.entry.flatMap { c[$0] } ?? 1
                if cls.isDiffuse && alpha.contains(where: { $0 != 0 }) {
                    for i in combined.indices where g[i] != 0 {
                        var e = 0.0
                        for (k, z) in delivery.enumerated() { e += alpha[k] * z[i] }
                        combined[i] += beta * g[i] * exp(e)
                    }
                } else {
                    for i in combined.indices where g[i] != 0 { combined[i] += beta * g[i] }
                }
            }
            result.generated[p] = combined
        }
        return result
    }

    /// The cell-level parameters of one pollutant's calibration: delivery, decay classes, settling,
    /// in the order `ProjectAggregation` takes them.
    func cellLevelParameters(_ settings: CalibrationConfig, pollutant: Pollutant, model: LoadModel) -> [CalibrationParameter] {
        var out: [CalibrationParameter] = []
        for d in settings.delivery {
            let s = d.setting
            out.append(CalibrationParameter(name: Self.deliveryName(d), kind: .delivery, initial: s.initial ?? 0, lower: s.minimum ?? -10,
                                            upper: s.maximum ?? 10, isFixed: s.fixed ?? false,
                                            description: "delivery coefficient on \((d.raster as NSString).lastPathComponent) (mean-centred)"))
        }
        let typed = config.transport.decayPerDay[pollutant] ?? 0
        for d in settings.decay {
            let s = d.setting
            let range = d.maxVelocity.map { "velocity below \(fmtShort($0)) m/s" } ?? "every other channel cell"
            out.append(CalibrationParameter(name: Self.decayName(d), kind: .decay, initial: s.initial ?? typed, lower: s.minimum ?? 0,
                                            upper: s.maximum ?? max(10, 10 * typed), isFixed: s.fixed ?? false,
                                            description: "in-stream decay, 1/day (\(range))"))
        }
        if let s = settings.settling {
            var velocities: [Double] = []
            for r in model.reservoirs { if case .arealHydraulicLoad(let vs, _) = r.retention { velocities.append(vs[pollutant] ?? 0) } }
            let mean = velocities.isEmpty ? 0 : velocities.reduce(0, +) / Double(velocities.count)
            out.append(CalibrationParameter(name: Self.settlingName, kind: .reservoir, initial: s.initial ?? mean, lower: s.minimum ?? 0,
                                            upper: s.maximum ?? max(1000, 10 * mean), isFixed: s.fixed ?? false,
                                            description: "reservoir settling velocity, m/yr"))
        }
        return out
    }
}
