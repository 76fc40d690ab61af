import ArgumentParser
import Foundation
import Hydro

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a synthetic river basin and run the pipeline on it into ./hydrotool-demo/.")

    @Option(help: "Seed of the synthetic case (same seed, same outputs).") var seed: UInt64 = 1
    @Option(help: "Output folder.") var output = "hydrotool-demo"
    @Option(help: "Grid width and height in cells.") var size = 400
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.") var quiet = false

    func run() throws {
        guard size >= 16 else { throw HydroError(.invalidParameter, "--size", "must be at least 16 cells") }
        let crs = try CoordinateSystem.parse("EPSG:32648")
        let result = try Demo.run(into: output, seed: seed, size: size, crs: crs,
                                  progress: quiet ? .silent : TerminalProgress.make())
        print(result.summary)
    }
}
