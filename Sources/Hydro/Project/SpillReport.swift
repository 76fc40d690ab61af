import Foundation

extension ProjectRun {
    /// Traces a spill and writes spill.csv and spill.geojson (path and stops); returns a summary.
    public func spill(at point: Coordinate, lonLat: Bool, mass: Double, released: Date, pollutant: Pollutant) throws -> String {
        let geometry = try geometry
        var location = point
        if lonLat {
            let layer = VectorLayer(name: "p", fields: [], features: [Feature(geometry: .point(point))], crs: try CoordinateSystem.parse("EPSG:4326"))
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("hydrotool-spill-\(getpid()).geojson").path
            try? FileManager.default.removeItem(atPath: temporary)
            try VectorWriter.write(layer, to: temporary)
            defer { try? FileManager.default.removeItem(atPath: temporary) }
            guard let p = try VectorReader.read(temporary, targetCRS: geometry.crs).features.first?.geometry?.points.first else {
                throw HydroError(.invalidParameter, "--at", "cannot convert the point to the DEM's CRS")
            }
            location = p
        }
        guard let cell = geometry.cell(x: location.x, y: location.y) else {
            throw HydroError(.invalidParameter, "--at", "the release point lies outside the DEM")
        }
        let index = geometry.index(column: cell.column, row: cell.row)
        guard try directions().codes[index] != D8.noData else { throw HydroError(.invalidParameter, "--at", "the release point lies on nodata") }
        let model = try model()
        let sections = try sections().compactMap { s in s.cell.map { ($0, s.name) } }
        let units = try jurisdictionMap()
        // Calibrated decay classes, when the run uses them, decay the spill as they decay the loads.
        let classes = !(model.parameters.decayClasses[pollutant] ?? []).isEmpty
        let trace = SpillTrace.trace(from: index, mass: mass, model: model, decayPerDay: config.transport.decayPerDay[pollutant] ?? 0,
                                     decayAt: classes ? { model.decayRate(atCell: $0, for: pollutant) } : nil,
                                     sections: sections, units: units)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        var rows: [[String]] = []
        var features: [Feature] = []
        var notified: [String] = []
        if let units, units.labels[index] >= 0 { notified.append(units.units[Int(units.labels[index])].name) }
        for stop in trace.stops {
            let arrival = released.addingTimeInterval(stop.hours * 3600)
            let c = geometry.centre(column: stop.cell % geometry.width, row: stop.cell / geometry.width)
            rows.append([stop.kind, stop.label, String(format: "%.2f", stop.hours), formatter.string(from: arrival), String(format: "%.3f", stop.remaining)])
            features.append(Feature(geometry: .point(Coordinate(c.x, c.y)), attributes: [
                "kind": .string(stop.kind), "label": .string(stop.label), "hours": .real(stop.hours),
                "arrival": .string(formatter.string(from: arrival)), "remaining_kg": .real(stop.remaining)]))
            if stop.kind == "border", let to = stop.label.components(separatedBy: " → ").last, !notified.contains(to) { notified.append(to) }
        }
        let line = trace.path.map { i -> Coordinate in
            let c = geometry.centre(column: i % geometry.width, row: i / geometry.width)
            return Coordinate(c.x, c.y)
        }
        features.append(Feature(geometry: .lineString(line.count > 1 ? line : line + line), attributes: [
            "kind": .string("path"), "label": .string("flow path"), "hours": .real(trace.outletHours), "arrival": .null, "remaining_kg": .null]))
        try AtomicOutput.write(CSVWriter.text(header: ["kind", "where", "hours_after_release", "arrival", "remaining_kg"], rows: rows),
                               to: path("spill.csv"), overwrite: true)
        try VectorWriter.write(VectorLayer(name: "spill", fields: [FieldDefinition("kind", .string), FieldDefinition("label", .string),
                                                                   FieldDefinition("hours", .real), FieldDefinition("arrival", .string),
                                                                   FieldDefinition("remaining_kg", .real)],
                                           features: features, crs: geometry.crs), to: path("spill.geojson"), overwrite: true)
        var text = "Spill of \(fmtShort(mass)) kg \(pollutant.name) at \(formatter.string(from: released)): path of \(trace.path.count) cells, leaves the DEM after \(String(format: "%.1f", trace.outletHours)) h\n"
        for r in rows { text += "  \(r[0]) \(r[1]): +\(r[2]) h (\(r[3])), \(r[4]) kg remaining\n" }
        text += "Notify in order: \(notified.isEmpty ? "(no jurisdictions given)" : notified.joined(separator: ", "))\n"
        text += "Written: \(path("spill.csv")), \(path("spill.geojson"))"
        return text
    }
}
