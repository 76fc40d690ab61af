import ArgumentParser
import Foundation
import Hydro

@main
struct Hydrotool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hydrotool",
        abstract: "Watershed pollution propagation: terrain, flow routing and jurisdiction attribution for cross-border compensation.",
        version: Provenance.version,
        subcommands: [InfoCommand.self, FillCommand.self, FlowDirectionCommand.self, AccumulateCommand.self,
                      DemoCommand.self, BenchCommand.self]
    )

    static func main() {
        Provenance.current = Provenance(command: CommandLine.arguments.joined(separator: " "))
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as HydroError {
            // One line, naming the file or parameter and the problem.
            FileHandle.standardError.write("hydrotool: error: \(error.description)\n")
            Foundation.exit(error.kind == .cancelled ? 130 : 1)
        } catch {
            exit(withError: error)
        }
    }
}
