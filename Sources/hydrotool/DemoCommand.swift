import ArgumentParser
import Foundation
import Hydro

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a synthetic basin (four counties, sources, karst link, sections, a year of monitoring, a two-way scheme) and run the main job on it.")

    @Option(help: "Seed of the synthetic case (same seed, same outputs).") var seed: UInt64 = 1
    @Option(help: "Output folder.") var output = "hydrotool-demo"
    @Option(help: "Grid height in cells (the width is 1.5 times this).") var size = 240
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.") var quiet = false

    func run() throws {
        guard size >= 60 else { throw HydroError(.invalidParameter, "--size", "must be at least 60 cells") }
        let result = try Demo.run(into: output, seed: seed, size: size,
                                  progress: quiet ? .silent : TerminalProgress.make(),
                                  log: { message in if !quiet { TerminalProgress.log(message) } })
        print(result.summary)
    }
}
