import ArgumentParser
import Foundation
import Hydro

/// The output conventions every writing subcommand shares, spelled as GDAL's utilities spell them
/// (`-of`/`--of`, repeatable `-co`/`--co NAME=VALUE`, `-q`).
struct OutputOptions: ParsableArguments {
    @Option(name: [.customLong("of"), .customLong("of", withSingleDash: true)],
            help: "Output raster format: any GDAL driver short name (GTiff, COG, AAIGrid, …).")
    var format: String = "GTiff"

    @Option(name: [.customLong("co"), .customLong("co", withSingleDash: true)],
            help: ArgumentHelp("Creation option NAME=VALUE for the GDAL driver (repeatable).", valueName: "NAME=VALUE"))
    var creationOptions: [String] = []

    @Flag(help: "Replace existing outputs.")
    var overwrite = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.")
    var quiet = false

    func rasterOptions(inputs: [String], metadata: [String: String] = [:], bandDescriptions: [String] = []) -> RasterWriteOptions {
        RasterWriteOptions(format: format, creationOptions: creationOptions, overwrite: overwrite,
                           metadata: metadata, bandDescriptions: bandDescriptions, inputs: inputs)
    }

    /// Checks outputs before any long work starts, so a refusal costs nothing: the raster driver and
    /// creation options, vector formats by extension, the folders, and existing files.
    func checkOutputs(_ outputs: [String], inputs: [String], vectors: [String] = []) throws {
        try RasterWriter.validate(rasterOptions(inputs: inputs))
        for vector in vectors where VectorWriter.driverName(for: vector) == nil {
            throw HydroError(.invalidParameter, vector, "cannot tell the vector format from the extension; use .gpkg, .geojson, .shp or .fgb")
        }
        for output in outputs + vectors {
            let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw HydroError(.io, output, "output folder \(folder) does not exist")
            }
            try AtomicOutput.checkTarget(output, overwrite: overwrite, inputs: inputs)
        }
    }

    var progress: TaskProgress { quiet ? .silent : TerminalProgress.make() }
}

/// Renders progress on stderr the way GDAL's command-line tools do:
/// `0...10...20...30...40...50...60...70...80...90...100 - done.`
///
/// Log lines never land inside the bar: a message that comes while the bar is open ends the bar's
/// line, prints on a line of its own, and the bar is drawn again, from 0 to where it was, below it.
final class TerminalProgress {
    private var printedSteps = -1
    /// Whether a progress line is open on stderr, so a log line must start on a new line.
    nonisolated(unsafe) static var lineOpen = false
    /// The bar being drawn, to redraw after a log line.
    nonisolated(unsafe) static var current: TerminalProgress?

    /// Prints a message on its own line of stderr, then redraws an open progress bar below it.
    static func log(_ message: String) {
        guard lineOpen, let bar = current else {
            FileHandle.standardError.write(message + "\n")
            return
        }
        FileHandle.standardError.write("\n" + message + "\n" + bar.text(from: 0, to: bar.printedSteps))
    }

    static func make() -> TaskProgress {
        let renderer = TerminalProgress()
        current = renderer
        return TaskProgress { fraction in renderer.update(fraction); return true }
    }

    /// The bar's characters for steps `from...to` (one step every 2.5 %: a number at each tenth, a dot between).
    private func text(from: Int, to: Int) -> String {
        guard to >= from else { return "" }
        var text = ""
        for s in from...to { text += s % 4 == 0 ? "\(s / 4 * 10)" : "." }
        return text
    }

    private func update(_ fraction: Double) {
        guard fraction.isFinite else { return }
        let step = Int((min(max(fraction, 0), 1) * 40).rounded(.down))
        guard step > printedSteps else { return }
        var text = text(from: printedSteps + 1, to: step)
        if step == 40 { text += " - done.\n" }
        printedSteps = step
        FileHandle.standardError.write(text)
        Self.lineOpen = step < 40
    }
}

extension FileHandle {
    func write(_ string: String) { write(Data(string.utf8)) }
}
