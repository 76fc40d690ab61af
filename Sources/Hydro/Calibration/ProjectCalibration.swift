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
    /// The project's reach graph as a SPARROW reach table for one pollutant: each source class
    /// (`diffuse_K`, `point_K`) aggregated once over every reach's incremental catchment with the
    /// project's cell transport (delivery ratio, in-channel decay, reservoirs), so that a source
    /// coefficient of 1 for every class gives the project's own loads; reaches pass on their load along
    /// the graph's edges with the edge factors, each reach's outlet keeping its pass fraction (frac).
    /// Origin groups are the units of the finest level (counties), "outside" last, so that each
    /// bootstrap draw can be summed to any coarser level or to any scheme party.
    public func reachTable(for pollutant: Pollutant, classes: [(name: String, sources: LoadSources)]) throws -> ReachTable {
        let reaches = try reachGraph()
        let model = try model()
        let factors = model.cellFactors(for: pollutant)
        let counties = try jurisdictionMap()
        let groupCount = (counties?.units.count ?? 0) + 1
        let outsideGroup = Int32(groupCount - 1)
        let origin: (Int) -> Int32 = { c in
            guard let counties, counties.labels[c] >= 0 else { return outsideGroup }
            return counties.labels[c]
        }
        var buffer: [Double] = []
        var variables: [String: [Double]] = [:]
        var perGroup: [[[Double]]] = [] // class → reach → dense groups
        var edgeFactor: [Double] = []
        var pass: [Double] = []
        for cls in classes {
            let generated = cls.sources.generated[pollutant] ?? [Double](repeating: 0, count: reaches.geometry.cellCount)
            let aggregated = reaches.aggregate(generated: generated, factors: factors, origin: origin, toOutlet: &buffer)
            var total = [Double](repeating: 0, count: reaches.count)
            var groups: [[Double]] = []
            for r in 0..<reaches.count {
                var dense = aggregated.inflow[r].dense(count: groupCount)
                for g in dense.indices { dense[g] *= aggregated.outletPass[r] }
                dense[Int(aggregated.outletOrigin[r])] += aggregated.outletLoad[r]
                total[r] = dense.reduce(0, +)
                groups.append(dense)
            }
            variables[cls.name] = total
            perGroup.append(groups)
            edgeFactor = aggregated.edgeFactor
            pass = aggregated.outletPass
        }
        if pass.isEmpty { pass = Array(repeating: 1, count: reaches.count) }
        var upstream = [[(reach: Int, weight: Double)]](repeating: [], count: reaches.count)
        for r in 0..<reaches.count {
            for e in Int(reaches.edgeStart[r])..<Int(reaches.edgeStart[r + 1]) {
                upstream[reaches.edgeReceiver(e)].append((r, edgeFactor.isEmpty ? reaches.edgeShare[e] : edgeFactor[e]))
            }
        }
        let geometry = reaches.geometry
        let metrics = try CellMetrics(geometry)
        let incremental = reaches.incrementalSum { metrics.area[$0 / geometry.width] / 1e6 }
        let total = reaches.outlet.map { model.areaKm2[Int($0)] }
        var table = try ReachTable(ids: (0..<reaches.count).map { "reach-\($0 + 1)" }, upstream: upstream, frac: pass,
                                   incrementalArea: incremental, totalArea: total, variables: variables, source: config.file)
        table.groupNames = (counties?.units.map(\.id) ?? []) + ["outside"]
        var parts: [ReachTable.OriginPart] = []
        for r in 0..<reaches.count {
            for g in 0..<groupCount {
                var shares: [String: Double] = [:]
                var any = false
                for (k, cls) in classes.enumerated() {
                    let whole = variables[cls.name]?[r] ?? 0
                    let v = perGroup[k][r][g]
                    if whole > 0 && v > 0 { shares[cls.name] = v / whole; any = true }
                }
                if any { parts.append(ReachTable.OriginPart(reach: r, group: g, sourceShares: shares)) }
            }
        }
        table.origins = parts
        return table
    }

    /// The source classes of the project: each [[diffuse]] and each [[point_sources]] entry on its own.
    func sourceClasses() throws -> [(name: String, sources: LoadSources)] {
        let network = try network()
        // Reading the sources again must not list the point sources in point_sources.csv twice.
        let placedRows = pointSourceRows
        defer { pointSourceRows = placedRows }
        var classes: [(name: String, sources: LoadSources)] = []
        for (k, d) in config.diffuse.enumerated() {
            var c = config
            c.diffuse = [d]
            c.pointSources = []
            classes.append(("diffuse_\(k + 1)", try ProjectInputs.sources(c, network: network, run: self)))
        }
        for (k, p) in config.pointSources.enumerated() {
            var c = config
            c.diffuse = []
            c.pointSources = [p]
            classes.append(("point_\(k + 1)", try ProjectInputs.sources(c, network: network, run: self)))
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
        let classes = try sourceClasses()
        guard !classes.isEmpty else { throw HydroError(.invalidInput, config.file, "has no [[diffuse]] or [[point_sources]] to calibrate") }
        var results: [ProjectCalibration] = []
        for pollutant in Set(rows.map(\.pollutant)).sorted() {
            let mine = rows.filter { $0.pollutant == pollutant }
            for row in mine where !row.monthsMissing.isEmpty {
                log("calibration: \(row.section) \(pollutant.name): mean annual load from \(row.monthsUsed.count) months (\(row.monthsUsed.first ?? "")…\(row.monthsUsed.last ?? "")); missing \(row.monthsMissing.joined(separator: ", "))")
            }
            let table = try reachTable(for: pollutant, classes: classes)
            let active = classes.filter { (table.variables[$0.name] ?? []).contains { $0 > 0 } }
            let parameters = active.map { cls -> CalibrationParameter in
                let s = settings.parameters[cls.name]
                return CalibrationParameter(name: cls.name, kind: .source, initial: s?.initial ?? 1, lower: s?.minimum ?? 0,
                                            upper: s?.maximum ?? 100, isFixed: s?.fixed ?? false,
                                            description: "multiplier of the \(cls.name) loads")
            }
            let stations = mine.compactMap { row in
                sectionReach[row.section].map { r in
                    let placed = sections.first { $0.id == row.section }
                    return CalibrationStation(reach: r, name: row.section, observedLoad: row.kgPerYear, weight: row.weight,
                                              longitude: placed?.placed?.x, latitude: placed?.placed?.y, location: row.location)
                }
            }
            let model = try SparrowModel(reaches: table, parameters: parameters, design: Array(repeating: [], count: parameters.count),
                                         stations: stations)
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
        try AtomicOutput.write(to: target, overwrite: true) { temporary in
            do { try text.write(toFile: temporary, atomically: false, encoding: .utf8) } catch {
                throw HydroError(.io, target, "cannot write: \(error.localizedDescription)")
            }
        }
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
        try AtomicOutput.write(to: target, overwrite: true) { temporary in
            do { try data.write(to: URL(fileURLWithPath: temporary)) } catch { throw HydroError(.io, target, "cannot write: \(error.localizedDescription)") }
        }
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

    /// The project's sources with each source class of a calibrated pollutant multiplied by its coefficient.
    func calibratedSources(_ coefficients: [Pollutant: [String: Double]], plain: LoadSources) throws -> LoadSources {
        var result = plain
        let classes = try sourceClasses()
        for (p, c) in coefficients {
            guard plain.generated.contains(p) else { continue }
            var combined = [Double](repeating: 0, count: plain.cellCount)
            for cls in classes {
                guard let g = cls.sources.generated[p] else { continue }
                let beta = c[cls.name] ?? 1
                for i in combined.indices where g[i] != 0 { combined[i] += beta * g[i] }
            }
            result.generated[p] = combined
        }
        return result
    }
}
