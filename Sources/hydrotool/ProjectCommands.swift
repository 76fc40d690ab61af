import ArgumentParser
import Foundation
import Hydro

/// Options shared by the commands that work on a project file.
struct ProjectOptions: ParsableArguments {
    @Argument(help: "Project file (TOML or JSON) naming the inputs and parameters.") var project: String
    @Option(help: "Output folder (overrides the project file's).") var output: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a project parameter, KEY=VALUE in TOML (e.g. decay.TP=0.05, transport.velocity_m_per_s=0.4); repeatable.", valueName: "KEY=VALUE"))
    var overrides: [String] = []
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no progress.") var quiet = false
    @Option(name: [.customLong("of"), .customLong("of", withSingleDash: true)],
            help: "Raster format of the outputs: GTiff (tiled, DEFLATE) or COG (Cloud Optimized GeoTIFF with overviews).")
    var format: String = "GTiff"
    @Option(name: [.customLong("co"), .customLong("co", withSingleDash: true)],
            help: ArgumentHelp("Creation option NAME=VALUE for the raster driver (repeatable); GDAL must know it.", valueName: "NAME=VALUE"))
    var creationOptions: [String] = []
    @Option(name: .customLong("csv-bom"), help: "Start CSV outputs with a UTF-8 byte order mark, so Excel reads Chinese names (true or false).")
    var csvBOM = true

    func start() throws -> ProjectRun {
        // Formats and options are checked before the project is read, so a typo costs nothing.
        let rasters = try ProjectRun.RasterOutput(format: format, creationOptions: creationOptions)
        var config = try ProjectConfig.load(project, overrides: overrides)
        if let output {
            guard !output.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw HydroError(.invalidParameter, "--output", "must name a folder (it is empty)")
            }
            config.output = URL(fileURLWithPath: output).standardizedFileURL.path
        }
        return try ProjectRun(config, progress: quiet ? .silent : TerminalProgress.make(), rasterOutput: rasters, csvByteOrderMark: csvBOM,
                              log: { message in if !quiet { TerminalProgress.log(message) } })
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the main job: conditioning, flow routing, network, loads, attribution, compensation, report.",
        discussion: Examples.text("Steps whose inputs, parameters and outputs are unchanged (by SHA-256) are skipped. Outputs go to one folder with fixed names; manifest.json records versions, the project file and every checksum.", [("Run the Chishui example into its output folder", "hydrotool run examples/chishui/project.toml"), ("Rasters as Cloud Optimized GeoTIFFs with ZSTD, CSVs without a byte order mark", "hydrotool run project.toml --of COG --co COMPRESS=ZSTD --csv-bom false")]))

    @OptionGroup var options: ProjectOptions
    @OptionGroup var tiling: ProjectTileOptions
    @Option(name: .customLong("scale-source"), help: ArgumentHelp("Scenario: PARTY:POLLUTANT:FACTOR, e.g. 520300:TP:0.7 (repeatable).", valueName: "PARTY:POLLUTANT:FACTOR"))
    var scaleSource: [String] = []

    func run() throws {
        let scenario = try scaleSource.map(SourceScaling.init(parsing:))
        try tiling.run(start: options.start) { run in
            try run.runAll(scenario: scenario)
            print("report: \(run.path(Outputs.report))")
        }
    }
}

struct LoadsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loads",
        abstract: "Route pollutant loads downstream (terrain, network and loads steps of a project).",
        discussion: Examples.text([("Route the loads of a project", "hydrotool loads project.toml"), ("Try another decay rate for TP into a separate folder", "hydrotool loads project.toml --set decay.TP=0.08 --output out-tp")]))

    @OptionGroup var options: ProjectOptions
    @OptionGroup var tiling: ProjectTileOptions

    func run() throws {
        try tiling.run(start: options.start) { run in
            try run.runThrough(.loads)
            print("loads: \(run.path(Outputs.loadRaster)), \(run.path(Outputs.sectionLoadsCSV)), \(run.path(Outputs.massBudget))")
        }
    }
}

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Attribute loads at sections and border crossings to the jurisdictions they came from.",
        discussion: Examples.text([("Shares by origin at sections and border crossings", "hydrotool attribute project.toml"), ("The same with a slower stream velocity", "hydrotool attribute project.toml --set transport.velocity_m_per_s=0.3")]))

    @OptionGroup var options: ProjectOptions
    @OptionGroup var tiling: ProjectTileOptions

    func run() throws {
        try tiling.run(start: options.start) { run in
            try run.runThrough(.attribution)
            print("attribution: \(run.path("attribution.csv")), \(run.path("crossings.geojson")), \(run.path("flux.csv"))")
        }
    }
}

struct CompensateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compensate",
        abstract: "Settle the project's compensation scheme from its monitoring data and attributed loads.",
        discussion: Examples.text("A project with a DEM runs the steps through attribution first. A project without one (scheme, monitoring and an attributed_loads CSV of party, section, pollutant, load) settles compensation alone, touching no terrain.",
                                  [("Settle the project's scheme", "hydrotool compensate project.toml"), ("What if Zunyi cut its TP load by 30 %", "hydrotool compensate project.toml --scale-source 520300:TP:0.7")]))

    @OptionGroup var options: ProjectOptions
    @Option(name: .customLong("scale-source"), help: ArgumentHelp("Scenario: PARTY:POLLUTANT:FACTOR (repeatable); writes scenario_*.csv beside the ledger.", valueName: "PARTY:POLLUTANT:FACTOR"))
    var scaleSource: [String] = []

    func run() throws {
        let scenario = try scaleSource.map(SourceScaling.init(parsing:))
        let run = try options.start()
        try run.compensate(scenario: scenario)
        print("ledger: \(run.path("ledger.csv")), balances: \(run.path("balances.csv"))")
    }
}

struct SpillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spill",
        abstract: "Emergency response: where a released mass goes, when it arrives at each section and border, how much remains, whom to notify.",
        discussion: Examples.text([("Where 2 t of CODMn released at a point go, and when", "hydrotool spill project.toml --at 106.1,28.0 --lonlat --mass 2000 --time 2024-07-01T08:00:00+08:00"), ("An ammonia release given in the DEM's CRS", "hydrotool spill project.toml --at 512300,3098000 --mass 500 --pollutant NH3-N --time 2024-07-01T08:00:00+08:00")]))

    @OptionGroup var options: ProjectOptions
    @Option(help: "Release point as X,Y in the DEM's CRS (or lon,lat with --lonlat).") var at: String
    @Flag(help: "The release point is longitude,latitude (WGS 84).") var lonlat = false
    @Option(help: "Released mass, kg.") var mass: Double
    @Option(help: "Release time, ISO 8601 (e.g. 2024-07-01T08:00:00+08:00).") var time: String
    @Option(help: "Pollutant whose decay rate applies.") var pollutant = "CODMn"

    func run() throws {
        let parts = at.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts.allSatisfy(\.isFinite) else { throw HydroError(.invalidParameter, "--at", "'\(at)' is not X,Y with finite numbers") }
        guard mass > 0, mass.isFinite else { throw HydroError(.invalidParameter, "--mass", "must be a positive finite mass in kg, got \(mass)") }
        guard let start = ISO8601DateFormatter().date(from: time) else {
            throw HydroError(.invalidParameter, "--time", "'\(time)' is not an ISO 8601 time such as 2024-07-01T08:00:00+08:00")
        }
        let run = try options.start()
        try run.runThrough(.network)
        let report = try run.spill(at: Coordinate(parts[0], parts[1]), lonLat: lonlat, mass: mass, released: start,
                                   pollutant: try Pollutant(parsing: pollutant, parameter: "--pollutant"))
        print(report)
    }
}
