import Foundation

extension ProjectRun {
    /// report.html (self-contained: maps are inline SVG over a PNG hillshade in a data URI) and
    /// manifest.json (versions, the project file, SHA-256 of every input and output, times, platform).
    func reportStep(_ part: TaskProgress) throws {
        let html = try buildReport()
        try AtomicOutput.write(html, to: path(Outputs.report), overwrite: true)
        try writeManifest()
        try part.report(1)
    }

    func buildReport() throws -> String {
        try reportContent().html(map: try MapRenderer(run: self, geometry: try geometry, background: try mapBackground()))
    }

    /// A path relative to the project file's folder, so the report reads the same wherever the project lives.
    func relative(_ file: String) -> String {
        let base = URL(fileURLWithPath: config.file).deletingLastPathComponent().standardizedFileURL.path + "/"
        return file.hasPrefix(base) ? String(file.dropFirst(base.count)) : file
    }

    func writeManifest() throws {
        // Step outputs were checksummed once, when their step recorded them; only the rest is hashed here.
        var known: [String: String] = [:]
        for entry in cache.entries.values { known.merge(entry.outputs) { a, _ in a } }
        var outputs: [String: String] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in files.sorted() where !name.hasPrefix(".") && name != Outputs.manifest {
            var isDirectory: ObjCBool = false
            // Folders (calibration/) hold their own records.
            if FileManager.default.fileExists(atPath: path(name), isDirectory: &isDirectory), isDirectory.boolValue { continue }
            outputs[name] = try known[name] ?? SHA256.hex(file: path(name))
        }
        var inputs: [String: String] = [:]
        for file in config.inputFiles { inputs[file] = try checksum(file) }
        let projectText = (try? String(contentsOfFile: config.file, encoding: .utf8)) ?? ""
        let manifest = Manifest(
            tool: Provenance.toolName, version: Provenance.version, command: Provenance.current.command,
            gdal: LibraryVersions.gdal, proj: LibraryVersions.proj,
            platform: "\(ProcessInfo.processInfo.operatingSystemVersionString); \(ProcessInfo.processInfo.processorCount) cores",
            projectFile: config.file, projectFileSha256: try SHA256.hex(file: config.file), project: projectText,
            started: ISO8601DateFormatter().string(from: started), finished: ISO8601DateFormatter().string(from: Date()),
            steps: steps.map { Manifest.Step(name: $0.name, ran: $0.ran, seconds: $0.seconds, outputs: $0.outputs) },
            inputsSha256: inputs, outputsSha256: outputs, warnings: warnings,
            calibration: try calibratedCoefficients().map { c in
                Dictionary(uniqueKeysWithValues: c.map { ($0.key.name, $0.value) })
            },
            tiling: tiling.map { Manifest.Tiling(tileWidth: $0.tileWidth, tileHeight: $0.tileHeight, ranks: $0.executor.size, steps: $0.tiledSteps) })
        try StepResultFile.write(manifest, to: path(Outputs.manifest))
    }
}
