import ArgumentParser
import Foundation
import Hydro
import HydroServe

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the project's latest run to the parties of a basin: OGC API – Features collections, a web map, accounts and monitoring uploads.",
        discussion: Examples.text("""
        State (accounts, uploads, settlement versions, audit log) is kept in OUTPUT-serve/hydroserve.sqlite beside the output folder. \
        Add accounts first: `hydrotool serve PROJECT --add-user NAME --jurisdiction CODE` (or --admin); the password is read from \
        HYDROTOOL_PASSWORD or standard input. Stops on SIGINT or SIGTERM.
        """, [("An account for the county 七星关区 (the password is read from standard input or HYDROTOOL_PASSWORD)",
               "hydrotool serve hydrotool-demo/project.toml --add-user qixingguan --jurisdiction 520502"),
              ("Serve the demo's latest run on port 8080 (loopback)", "hydrotool serve hydrotool-demo/project.toml --port 8080")]))

    @OptionGroup var options: ProjectOptions
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Address to listen on (loopback by default).") var host = "127.0.0.1"
    @Option(name: .customLong("add-user"), help: "Add an account with this name instead of serving.") var addUser: String?
    @Option(help: "With --add-user: the jurisdiction (scheme party code) the account speaks for.") var jurisdiction: String?
    @Flag(help: "With --add-user: an administrator account (may change the scheme).") var admin = false
    @Option(name: .customLong("bcrypt-cost"), help: ArgumentHelp("bcrypt work factor for new passwords (10–16).", visibility: .hidden)) var bcryptCost = 12

    func run() throws {
        guard (1...65535).contains(port) else { throw HydroError(.invalidParameter, "--port", "must lie in 1…65535") }
        guard (4...16).contains(bcryptCost) else { throw HydroError(.invalidParameter, "--bcrypt-cost", "must lie in 4…16") }
        var config = try ProjectConfig.load(options.project, overrides: options.overrides)
        if let output = options.output { config.output = URL(fileURLWithPath: output).standardizedFileURL.path }
        if let name = addUser {
            guard admin || jurisdiction != nil else { throw HydroError(.invalidParameter, "--add-user", "needs --jurisdiction CODE or --admin") }
            if let code = jurisdiction, !admin {
                let known = try HydroServer.knownParties(config)
                guard known.contains(code) else {
                    throw HydroError(.invalidParameter, "--jurisdiction", "'\(code)' is neither a jurisdiction of the project nor a party of its scheme (known: \(known.sorted().prefix(12).joined(separator: ", ")))")
                }
            }
            let password = try Self.readPassword()
            let accounts = try HydroServer.openAccounts(config, bcryptCost: UInt8(bcryptCost))
            let user = try accounts.add(name: name, password: password, role: admin ? .admin : .county, jurisdiction: jurisdiction)
            print("added \(user.role.rawValue) account '\(user.name)'\(user.jurisdiction.map { " for \($0)" } ?? "")")
            return
        }
        let quiet = options.quiet
        let server = try HydroServer(config: config, bcryptCost: UInt8(bcryptCost), log: { message in if !quiet { TerminalProgress.log(message) } })
        print("serving \(config.name) on http://\(host):\(port)/ (map: /map); state in \(HydroServer.stateFolder(config))")
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let (h, p) = (host, port)
        Task {
            do { try await server.run(host: h, port: p) } catch { outcome.set(error) }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            throw HydroError(.io, "--port", "cannot serve on \(host):\(port): \(error)")
        }
        print("stopped")
    }

    static func readPassword() throws -> String {
        if let p = ProcessInfo.processInfo.environment["HYDROTOOL_PASSWORD"], !p.isEmpty { return p }
        if isatty(0) != 0, let p = getpass("password: ") { return String(cString: p) }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw HydroError(.invalidParameter, "password", "none given: set HYDROTOOL_PASSWORD or type it on standard input")
        }
        return line
    }
}

private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? { lock.withLock { stored } }
    func set(_ e: Error) { lock.withLock { stored = e } }
}
