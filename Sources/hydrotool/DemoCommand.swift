import ArgumentParser
import Foundation
import Hydro

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a synthetic basin (four counties, sources, karst link, sections, a year of monitoring, a two-way scheme) and run the main job on it.",
        discussion: Examples.text([("Build and run the demo basin into ./hydrotool-demo", "hydrotool demo"), ("A larger grid with another seed, elsewhere", "hydrotool demo --seed 7 --size 400 --output /tmp/demo7")]))

    @Option(help: "Seed of the synthetic case (same seed, same outputs).") var seed: UInt64 = 1
    @Option(help: "Output folder.") var output = "hydrotool-demo"
    @Option(help: "Grid height in cells (the width is 1.5 times this).") var size = 240
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.") var quiet = false

    func run() throws {
        try OptionCheck.integer(size, in: 60...30_000, "--size")
        // The demo's grid is size × 1.5·size cells; the whole pipeline holds about 80 bytes per cell at its peak.
        try MemoryBudget.require(cells: size * (size * 3 / 2), bytesPerCell: 80, subject: "--size \(size)", purpose: "the demo")
        let result = try Demo.run(into: output, seed: seed, size: size,
                                  progress: quiet ? .silent : TerminalProgress.make(),
                                  log: { message in if !quiet { TerminalProgress.log(message) } })
        print(result.summary)
    }
}
