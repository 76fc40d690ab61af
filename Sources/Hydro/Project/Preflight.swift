import Foundation

extension ProjectConfig {
    /// Opens every input once before any long work: each must be readable, carry a CRS, and hold
    /// the fields the project names. Errors name the project key and the file.
    /// Refuses, before any step, a project whose loads step could not run for want of a pollutant.
    /// Export coefficients name theirs in their CSV; without them the project file must name one.
    public func requirePollutant() throws {
        let hasCoefficients = diffuse.contains { if case .exportCoefficients = $0 { return true } else { return false } }
        if pollutants.isEmpty && !hasCoefficients {
            throw HydroError(.invalidInput, file, "names no pollutant: give [decay] rates or sources with load fields")
        }
    }

    public func preflight() throws {
        func key(_ k: String, _ file: String, _ message: String) -> HydroError {
            HydroError(.invalidInput, "\(source.location(k.components(separatedBy: ".").first ?? k)) (\(k) = \((file as NSString).lastPathComponent))", message)
        }
        guard let dem else {
            // Compensation only: the scheme, the monitoring and the attributed loads are all there is.
            try preflightCompensation()
            return
        }
        let demInfo: RasterInfo
        do { demInfo = try RasterReader.info(dem) } catch let e as HydroError { throw key("inputs.dem", dem, e.message) }
        // The whole pipeline holds about 80 bytes per DEM cell at its peak (grids, graph, loads, attribution).
        do { try MemoryBudget.require(cells: demInfo.geometry.cellCount, bytesPerCell: 80, subject: dem, purpose: "the project run") } catch let e as HydroError {
            throw key("inputs.dem", dem, e.message)
        }
        guard demInfo.geometry.crs.isKnown else { throw key("inputs.dem", dem, "has no CRS; assign one with gdal_edit.py -a_srs") }
        guard demBand >= 1, demBand <= demInfo.bands.count else { throw key("inputs.dem_band", dem, "band \(demBand) does not exist") }
        func vector(_ k: String, _ file: String?, fields: [String?]) throws {
            guard let file else { return }
            let layer: VectorLayer
            do { layer = try VectorReader.read(file) } catch let e as HydroError { throw key(k, file, e.message) }
            guard layer.crs.isKnown else { throw key(k, file, "has no CRS, so it cannot be matched to the DEM's \(demInfo.geometry.crs.name)") }
            for field in fields.compactMap({ $0 }) where !layer.fields.contains(where: { $0.name == field }) {
                throw key(k, file, "has no field '\(field)' (fields: \(layer.fields.map(\.name).joined(separator: ", ")))")
            }
            if layer.features.isEmpty { throw key(k, file, "holds no features") }
        }
        try vector("inputs.rivers", rivers, fields: [])
        try vector("inputs.jurisdictions", jurisdictions, fields: [jurisdictionIdField, jurisdictionNameField])
        try vector("jurisdictions.reference", jurisdictionReference, fields: [jurisdictionReferenceIdField ?? jurisdictionIdField])
        try vector("inputs.sections", sections, fields: [sectionIdField, sectionNameField])
        for s in pointSources { try vector("point_sources.file", s.file, fields: [s.idField] + s.fields.values.map { Optional($0) }) }
        for r in reservoirs { try vector("reservoirs.file", r.file, fields: [r.nameField]) }
        for l in links { try vector("links.file", l.file, fields: [l.nameField, l.shareField]) }
        for d in diffuse {
            switch d {
            case .exportCoefficients(let landuse, let coefficients):
                do { _ = try RasterReader.info(landuse) } catch let e as HydroError { throw key("diffuse.landuse", landuse, e.message) }
                do { _ = try CSVTable.load(coefficients) } catch let e as HydroError { throw key("diffuse.coefficients", coefficients, e.message) }
            case .loadRaster(let file, _, _):
                do { _ = try RasterReader.info(file) } catch let e as HydroError { throw key("diffuse.raster", file, e.message) }
            case .uniform:
                break
            }
        }
        try preflightCompensation()
    }

    func preflightCompensation() throws {
        let parsed = try scheme.map(Scheme.load)
        if let monitoring { _ = try MonitoringData.load(monitoring) }
        if let attributedLoads {
            guard let parsed else { throw HydroError(.invalidInput, source.location("inputs"), "attributed_loads needs a scheme") }
            _ = try AttributedLoads.load(attributedLoads, scheme: parsed)
        }
    }
}
