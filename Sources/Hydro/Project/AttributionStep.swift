import Foundation

extension ProjectRun {
    public static let attributionOutputs = ["jurisdictions.tif", "jurisdictions.qml", "attribution.csv", "attribution.json", "crossings.geojson",
                                            "flux.csv", "flux.geojson", "jurisdiction_budget.csv"]

    /// The county map, read and rasterised once.
    public func jurisdictionMap() throws -> JurisdictionMap? {
        if let m = _jurisdictionMap { return m }
        guard let file = config.jurisdictions else { return nil }
        let geometry = try geometry
        let layer = try VectorReader.read(file, targetCRS: geometry.crs, encoding: config.jurisdictionEncoding)
        for w in layer.warnings { warn(w) }
        try layer.requireField(config.jurisdictionIdField, source: file)
        if let f = config.jurisdictionNameField { try layer.requireField(f, source: file) }
        var polygons: [(unit: JurisdictionMap.Unit, parts: [[[Coordinate]]])] = []
        for (index, feature) in layer.features.enumerated() {
            guard let id = feature[config.jurisdictionIdField].stringValue?.replacingOccurrences(of: ".0", with: "") else {
                throw HydroError(.invalidInput, file, "feature \(index + 1) has no value in '\(config.jurisdictionIdField)'")
            }
            let name = config.jurisdictionNameField.flatMap { feature[$0].stringValue } ?? id
            guard let parts = feature.geometry?.polygonParts, !parts.isEmpty else {
                throw HydroError(.invalidInput, file, "feature \(index + 1) ('\(name)') is not a polygon")
            }
            polygons.append((JurisdictionMap.Unit(id: id, name: name), parts))
        }
        let map = try JurisdictionMap(polygons: polygons, geometry: geometry)
        if let reference = config.jurisdictionReference {
            let idField = config.jurisdictionReferenceIdField ?? config.jurisdictionIdField
            let wgs84 = try CoordinateSystem.parse("EPSG:4326")
            let other = try VectorReader.read(reference, targetCRS: wgs84)
            try other.requireField(idField, source: reference)
            let mine = try VectorReader.read(file, targetCRS: wgs84, encoding: config.jurisdictionEncoding)
            func units(_ l: VectorLayer, _ field: String) -> [(id: String, parts: [[[Coordinate]]])] {
                l.features.compactMap { f in f[field].stringValue.map { ($0.replacingOccurrences(of: ".0", with: ""), f.geometry?.polygonParts ?? []) } }
            }
            let offset = LayerOffset.compare(units(mine, config.jurisdictionIdField), reference: units(other, idField), geographic: true)
            if offset.looksSystematic {
                warn("\(file) is shifted \(Int(offset.magnitude.rounded())) m (east \(Int(offset.east.rounded())) m, north \(Int(offset.north.rounded())) m) from \(reference) over \(offset.matched) matched units, all alike: one of them is probably GCJ-02 (Amap/Gaode) coordinates labelled WGS 84. Border cells, crossings and shares near borders move with it")
            } else {
                log("attribution: \(file) and \(reference) agree (median shift \(Int(offset.magnitude.rounded())) m over \(offset.matched) units)")
            }
        }
        for (a, b, count) in map.overlaps { warn("\(file): units \(a) and \(b) overlap on \(count) cells; the cells count for \(a)") }
        let codes = try directions().codes
        var gaps = 0
        for i in codes.indices where codes[i] != D8.noData && map.labels[i] < 0 { gaps += 1 }
        if gaps > 0 {
            warn("\(file): \(gaps) valid DEM cells lie in no unit; their load is reported as 'outside' (unknown), not attributed to any unit")
        }
        _jurisdictionMap = map
        return map
    }

    /// The jurisdiction map at one level (counties as read, prefectures and provinces by their
    /// division codes), aggregated once per run.
    public func jurisdictionMap(at level: JurisdictionMap.Level) throws -> JurisdictionMap? {
        guard let counties = try jurisdictionMap() else { return nil }
        if level == .county { return counties }
        if let m = _aggregatedMaps[level] { return m }
        let m = counties.aggregated(to: level)
        _aggregatedMaps[level] = m
        return m
    }

    /// Shares by origin at sections and crossings, flux between units and per-unit budgets, at each level.
    func attributionStep(_ part: TaskProgress) throws {
        guard let file = config.jurisdictions else {
            log("attribution: no jurisdictions given, skipped")
            try cache.discard("attribution", outputs: Self.attributionOutputs, folder: folder)
            return
        }
        var parameters = "id=\(config.jurisdictionIdField) name=\(config.jurisdictionNameField ?? "") levels=\(config.jurisdictionLevels)"
        // Bootstrap intervals of a calibration become columns of attribution.csv: new intervals, new step.
        let intervals = try attributionIntervals()
        if intervals != nil { parameters += " intervals=\(try SHA256.hex(file: path(CalibrationRecord.file)))" }
        try step("attribution", after: ["loads"], inputs: [file], parameters: parameters, outputs: Self.attributionOutputs, progress: part) {
            // The pass's whole-grid buffer first, in the room the loads step's routed grid left (`GridBuffer`).
            let buffer = GridBuffer(count: try self.geometry.cellCount)
            guard let counties = try jurisdictionMap() else { return }
            let sources = try sources()
            let model = try model()
            let sections = try sections()
            let geometry = try geometry
            let levels = config.jurisdictionLevels.compactMap(JurisdictionMap.Level.init(rawValue:))
            // The pass below reads neither the upstream area nor the link of every cell: both go first.
            try releaseUpstreamArea()
            let sectionIncomplete = try sectionUpstreamIncomplete()
            var csv: [[String]] = []
            var sectionRecords: [SectionAttribution] = []
            var crossingRecords: [CrossingRecord] = []
            var fluxRecords: [UnitFlux] = []
            var budgetRecords: [UnitBudget] = []
            var budgetRows: [[String]] = []
            var fluxRows: [[String]] = []
            var crossingFeatures: [Feature] = []
            var fluxFeatures: [Feature] = []
            var firstLevelCentres: [Coordinate?]?
            // One pass over the cells at county level; coarser levels group its figures (no pass of their own).
            let countyCrossings = try crossings()
            try releaseNetworkCells()
            let reaches = try reachGraph()
            // What the crossings and the reach graph let go goes back before the pass's grids are filled.
            MemoryReuse.releaseFreedMemory()
            let countyResults = try tiling.map {
                try attributeByTiles(sources: sources, model: model, map: counties, reaches: reaches, sectionCells: sections.map(\.cell),
                                     crossings: countyCrossings, tiling: $0, progress: part.scaled(from: 0, to: 0.8))
            } ?? LoadAttribution.attribute(sources: sources, model: model, map: counties, reaches: reaches,
                                           sectionCells: sections.map(\.cell), crossings: countyCrossings, buffer: buffer,
                                           threads: config.threads, progress: part.scaled(from: 0, to: 0.8))
            // The pass's buffer is gone: its pages go back before the label raster is made.
            MemoryReuse.releaseFreedMemory()
            let byCounty = (crossings: countyCrossings, results: countyResults)
            for section in sections where section.cell == nil {
                warn("\(config.sections ?? "sections"): section '\(section.id)' is on no cell of the grid, so it has no attribution")
            }
            for level in levels {
                let grouping = counties.grouping(to: level)
                let (crossings, results) = level == counties.level ? byCounty
                    : LoadAttribution.grouped(byCounty.crossings, byCounty.results, mapping: grouping.mapping, groups: grouping.units.count)
                let units = grouping.units
                let names = units.map(\.name) + ["outside (unknown)"]
                let ids = units.map(\.id) + ["outside"]
                for result in results {
                    let p = result.pollutant.name
                    // A section that could not be placed (its warning says why) has no attribution.
                    for (s, section) in sections.enumerated() where section.cell != nil {
                        let split = result.sections[s]
                        let shares = split.shares()
                        let home = section.cell.map { counties.labels[$0] < 0 ? -1 : grouping.mapping[Int(counties.labels[$0])] } ?? -1
                        let open = sectionIncomplete[s]
                        var origins: [OriginShare] = []
                        for u in 0...units.count where split.byOrigin[u] > 0 {
                            var row = [level.rawValue, section.id, section.name, p, ids[u], names[u], fmt(split.byOrigin[u]), fmt(shares[u]),
                                       u == Int(home) ? "generated here" : "from upstream", open ? "yes" : "no"]
                            if let intervals {
                                row += intervals.cells[[level.rawValue, section.id, p, ids[u]].joined(separator: "|")] ?? ["", "", "", ""]
                            }
                            csv.append(row)
                            origins.append(OriginShare(id: ids[u], name: names[u], loadKgPerYr: split.byOrigin[u], share: shares[u],
                                                       isHome: u == Int(home)))
                        }
                        sectionRecords.append(SectionAttribution(level: level.rawValue, section: section.id, name: section.name, pollutant: p,
                                                                 totalKgPerYr: split.total, origins: origins,
                                                                 upstreamTouchesEdgeOrNodata: open, unknownShare: shares.last ?? 0))
                    }
                    for u in 0...units.count {
                        let budget = UnitBudget(level: level.rawValue, id: ids[u], name: names[u], pollutant: p, generated: result.generated[u],
                                                received: result.received[u], handedOver: result.handedOver[u],
                                                deliveredOut: result.deliveredOut[u], lost: result.lost[u])
                        budgetRecords.append(budget)
                        budgetRows.append([level.rawValue, ids[u], names[u], p, fmt(budget.generated), fmt(budget.received),
                                           fmt(budget.handedOver), fmt(budget.deliveredOut), fmt(budget.lost), fmt(budget.imbalance)])
                        for v in 0...units.count where result.flux[u][v] > 0 {
                            fluxRows.append([level.rawValue, ids[u], names[u], ids[v], names[v], p, fmt(result.flux[u][v])])
                            fluxRecords.append(UnitFlux(level: level.rawValue, fromId: ids[u], fromName: names[u], toId: ids[v], toName: names[v],
                                                        pollutant: p, loadKgPerYr: result.flux[u][v]))
                        }
                    }
                    if level == levels.first {
                        // The level's centres from the county labels: no map of its own at this step.
                        if firstLevelCentres == nil { firstLevelCentres = counties.centres(grouping: grouping.mapping, groups: units.count) }
                        fluxFeatures += fluxLines(result, centres: firstLevelCentres ?? [], geometry: geometry, ids: ids, names: names,
                                                  crossings: crossings)
                    }
                }
                if level == levels.first {
                    for (x, crossing) in crossings.enumerated() {
                        let areaKm2 = try crossingAreaKm2(crossing.cell)
                        let c = geometry.centre(column: crossing.cell % geometry.width, row: crossing.cell / geometry.width)
                        let d = geometry.centre(column: crossing.into % geometry.width, row: crossing.into / geometry.width)
                        var attributes: [String: FieldValue] = [
                            "from_id": .string(ids[crossing.from < 0 ? units.count : Int(crossing.from)]),
                            "from_name": .string(names[crossing.from < 0 ? units.count : Int(crossing.from)]),
                            "to_id": .string(ids[crossing.to < 0 ? units.count : Int(crossing.to)]),
                            "to_name": .string(names[crossing.to < 0 ? units.count : Int(crossing.to)]),
                            "area_km2": .real(areaKm2),
                        ]
                        let from = crossing.from < 0 ? units.count : Int(crossing.from), to = crossing.to < 0 ? units.count : Int(crossing.to)
                        var record = CrossingRecord(level: level.rawValue, fromId: ids[from], fromName: names[from], toId: ids[to], toName: names[to],
                                                    x: (c.x + d.x) / 2, y: (c.y + d.y) / 2, areaKm2: areaKm2,
                                                    loadsKgPerYr: [:], generatedUpstreamUnitKgPerYr: [:])
                        for result in results {
                            let split = result.crossings[x]
                            let local = split.byOrigin[from]
                            attributes["\(result.pollutant.name)_kg_yr"] = .real(split.total)
                            attributes["\(result.pollutant.name)_generated_upstream_unit"] = .real(local)
                            attributes["\(result.pollutant.name)_passing_through"] = .real(split.total - local)
                            record.loadsKgPerYr[result.pollutant.name] = split.total
                            record.generatedUpstreamUnitKgPerYr[result.pollutant.name] = local
                        }
                        crossingRecords.append(record)
                        crossingFeatures.append(Feature(geometry: .point(Coordinate(record.x, record.y)), attributes: attributes))
                    }
                }
            }
            let labels = Grid(geometry: geometry, trustedCells: counties.labels.map { $0 + 1 }, nodata: 0)
            // The attribute table gives every class value its code and name; the QML beside it colours them in QGIS.
            let table = RasterAttributeTable(rows: counties.units.enumerated().map { .init(value: $0.offset + 1, code: $0.element.id, name: $0.element.name) })
            try RasterWriter.write(labels, to: path("jurisdictions.tif"),
                                   options: rasterOptions([file], bands: ["jurisdiction number (1-based, order of \((file as NSString).lastPathComponent))"],
                                                          attributeTable: table))
            let swatches = Palette.assign(counties.adjacentPairs().map { [counties.units[$0.0].id, counties.units[$0.1].id] })
            let palette = counties.units.enumerated().map { k, unit in
                (value: k + 1, colour: swatches[unit.id]?.colour ?? "#999999", label: "\(unit.name) \(unit.id)")
            }
            try AtomicOutput.write(QGISStyle.palettedRaster(palette), to: path("jurisdictions.qml"), overwrite: true)
            try AtomicOutput.write(self.csv(["level", "section_id", "section_name", "pollutant", "origin_id", "origin_name",
                                             "load_kg_yr", "share", "origin_role", "upstream_incomplete"] + (intervals?.header ?? []), csv),
                                   to: path("attribution.csv"), overwrite: true)
            let result = AttributionResult(levels: levels.map(\.rawValue), parameters: loadParameters, inputSha256: allInputChecksums,
                                           sections: sectionRecords, crossings: crossingRecords, flux: fluxRecords, budgets: budgetRecords, warnings: warnings)
            try StepResultFile.write(result, to: path("attribution.json"))
            _attributionResult = result
            try AtomicOutput.write(self.csv(["level", "unit_id", "unit_name", "pollutant", "generated_kg_yr", "received_kg_yr",
                                             "handed_over_kg_yr", "delivered_out_kg_yr", "lost_kg_yr", "imbalance_kg_yr"], budgetRows),
                                   to: path("jurisdiction_budget.csv"), overwrite: true)
            try AtomicOutput.write(self.csv(["level", "from_id", "from_name", "to_id", "to_name", "pollutant", "load_kg_yr"], fluxRows),
                                   to: path("flux.csv"), overwrite: true)
            let crossingFields = crossingFeatures.first.map { f in f.attributes.keys.sorted().map { k -> FieldDefinition in
                if case .string = f.attributes[k] { return FieldDefinition(k, .string) }
                return FieldDefinition(k, .real)
            } } ?? []
            try VectorWriter.write(VectorLayer(name: "crossings", fields: crossingFields, features: crossingFeatures, crs: geometry.crs),
                                   to: path("crossings.geojson"), overwrite: true)
            try VectorWriter.write(VectorLayer(name: "flux", fields: [FieldDefinition("from_id", .string), FieldDefinition("from_name", .string),
                                                                      FieldDefinition("to_id", .string), FieldDefinition("to_name", .string),
                                                                      FieldDefinition("pollutant", .string), FieldDefinition("load_kg_yr", .real)],
                                               features: fluxFeatures, crs: geometry.crs),
                                   to: path("flux.geojson"), overwrite: true)
        }
    }

    /// One line per pair of units and pollutant: from the first unit's centre through the crossing
    /// carrying most of the load to the second unit's centre.
    private func fluxLines(_ result: PollutantAttribution, centres: [Coordinate?], geometry: GridGeometry, ids: [String], names: [String],
                           crossings: [BorderCrossing]) -> [Feature] {
        var features: [Feature] = []
        for u in 0..<centres.count {
            guard let from = centres[u] else { continue }
            for v in 0..<centres.count where result.flux[u][v] > 0 {
                guard let to = centres[v] else { continue }
                let pair = crossings.enumerated().filter { Int($0.element.from) == u && Int($0.element.to) == v }
                var points = [from]
                if let main = pair.max(by: { result.crossings[$0.offset].total < result.crossings[$1.offset].total })?.element {
                    let c = geometry.centre(column: main.cell % geometry.width, row: main.cell / geometry.width)
                    points.append(Coordinate(c.x, c.y))
                }
                points.append(to)
                features.append(Feature(geometry: .lineString(points), attributes: [
                    "from_id": .string(ids[u]), "from_name": .string(names[u]), "to_id": .string(ids[v]), "to_name": .string(names[v]),
                    "pollutant": .string(result.pollutant.name), "load_kg_yr": .real(result.flux[u][v])]))
            }
        }
        return features
    }
}
