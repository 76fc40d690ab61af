import ArgumentParser
import Foundation
import Hydro

@main
struct Hydrotool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydrotool",
        abstract: "Watershed pollution propagation: terrain, flow routing and jurisdiction attribution for cross-border compensation.",
        discussion: Examples.text([("Run the demo basin and open the report it prints", "hydrotool demo"),
                                   ("Run a project, with rasters as Cloud Optimized GeoTIFFs", "hydrotool run examples/chishui/project.toml --of COG")]),
        version: Examples.versionLine,
        subcommands: [InfoCommand.self, FillCommand.self, BreachCommand.self, BurnCommand.self, FlowDirectionCommand.self,
                      AccumulateCommand.self, StreamsCommand.self, SnapCommand.self, WatershedCommand.self,
                      RunCommand.self, LoadsCommand.self, AttributeCommand.self, CompensateCommand.self, SpillCommand.self,
                      CalibrateCommand.self, DemoCommand.self, BenchCommand.self, ServeCommand.self, TilesCommand.self]
    )

    static func main() {
        Provenance.current = Provenance(arguments: CommandLine.arguments)
        MemoryReuse.keepFreedGridsForReuse()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as HydroError {
            // One line, naming the file or parameter and the problem (on its own line after any progress).
            FileHandle.standardError.write((TerminalProgress.lineOpen ? "\n" : "") + "hydrotool: error: \(error.description)\n")
            Foundation.exit(error.kind == .cancelled ? 130 : 1)
        } catch let error as NonFiniteResult {
            FileHandle.standardError.write((TerminalProgress.lineOpen ? "\n" : "") + "hydrotool: error: \(error.file): \(error.location) would be \(error.value); check the inputs and parameters (nothing was written)\n")
            Foundation.exit(1)
        } catch {
            // Help and version requests print as usual; usage errors become one line like the rest.
            let code = exitCode(for: error)
            guard code != .success else {
                // Help and version go to stdout; help has its examples moved to the end.
                let text = Examples.movedToEnd(fullMessage(for: error))
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write("hydrotool: error: \(message)\n")
            Foundation.exit(code.rawValue)
        }
    }
}
