import Foundation

/// Times load routing and attribution against one weighted accumulation on the same graph, for
/// `hydrotool bench routing`: loads for three pollutants on every valid cell, jurisdictions as a
/// grid of blocks (88 by default, as Guizhou has 88 counties), sections at the largest stream links.
/// Each is run `repeats` times and the fastest run kept: the first run in a process also pays for
/// touching memory the process has never used, which on a virtual machine can cost more than the
/// pass itself (about 1 s per 336 MB array on the 2-core test machine); the first runs are reported too.
public enum RoutingBenchmark {
    public struct Result: Codable, Sendable {
        public var file: String
        public var cells: Int
        public var pollutants: Int
        public var jurisdictions: Int
        public var sections: Int
        public var crossings: Int
        public var repeats: Int
        /// Threads routing the pollutants (one pass per pollutant; the accumulation runs on one).
        public var threads: Int
        /// One weighted accumulation over the routing graph, seconds (fastest run).
        public var weightedAccumulationSeconds: Double
        /// Routing all pollutants, seconds (fastest run).
        public var routingSeconds: Double
        /// Attribution of all pollutants at all sections and crossings, seconds (fastest run).
        public var attributionSeconds: Double
        /// The first run of each, in the order accumulation, routing, attribution, seconds.
        public var firstRunSeconds: [Double]
        /// routing / (pollutants × one accumulation).
        public var routingPerPollutantRatio: Double
        /// attribution / routing.
        public var attributionPerRoutingRatio: Double
        /// Reaches of the reach graph (stream links of 50 km² cut at the sections and crossings).
        public var reaches: Int
        /// Building the reach graph once, seconds.
        public var reachGraphSeconds: Double
        /// Aggregating all pollutants' cell loads onto the reaches, seconds (fastest run).
        public var reachAggregationSeconds: Double
        /// One solve of the reach graph for all pollutants, seconds (fastest run): the cost of each
        /// further pass (a calibration objective or a bootstrap draw) once the loads are aggregated.
        public var reachSolveSeconds: Double
        public var peakResidentBytes: Int
    }

    public static func run(_ path: String, units: Int = 88, sections: Int = 20, repeats: Int = 3, threads: Int = 2) throws -> Result {
        var dem = try RasterReader.read(path, as: Float.self)
        _ = try DepressionFilling.fill(&dem)
        let directions = try D8FlowDirection.compute(dem)
        let graph = try FlowGraph(directions: directions)
        let geometry = dem.geometry
        let metrics = try CellMetrics(geometry)
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        var firstRuns: [Double] = []
        /// Runs `body` `repeats` times; the fastest run in seconds (the first is also kept in `firstRuns`).
        func fastest(_ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for run in 0..<max(repeats, 1) {
                let time = seconds(try clock.measure(body))
                if run == 0 { firstRuns.append(time) }
                best = min(best, time)
            }
            return best
        }
        var weights = [Double](repeating: 0, count: dem.count)
        for i in 0..<dem.count where dem.isValid(at: i) { weights[i] = metrics.area[i / dem.width] / 1e6 }
        var area: [Double] = []
        let acc = fastest { area = []; area = graph.accumulate { weights[$0] } }
        let model = try LoadModel(graph: graph, isChannel: area.map { $0 >= 50 },
                                  parameters: TransportParameters(decayPerDay: [Pollutant("CODMn"): 0.1, Pollutant("NH3-N"): 0.2, Pollutant("TP"): 0.05],
                                                                  velocity: .powerLaw(a: 0.1, b: 0.2), delivery: .exponential(lengthScale: 2000)))
        var sources = LoadSources(pollutants: [Pollutant("CODMn"), Pollutant("NH3-N"), Pollutant("TP")], cellCount: dem.count)
        for (k, p) in sources.pollutants.enumerated() {
            for i in 0..<dem.count where dem.isValid(at: i) { sources.add(p, cell: i, kgPerYear: weights[i] * Double(10 + k)) }
        }
        var routed: RoutedLoads?
        let route = try fastest { routed = nil; routed = try LoadRouting.route(sources, model: model, threads: threads) }
        // Jurisdictions: a grid of blocks.
        let side = max(1, Int(Double(units).squareRoot().rounded()))
        let labels = (0..<dem.count).map { i -> Int32 in
            guard dem.isValid(at: i) else { return -1 }
            let r = (i / dem.width) * side / dem.height, c = (i % dem.width) * side / dem.width
            return Int32(r * side + c)
        }
        let map = try JurisdictionMap(level: .county, units: (0..<(side * side)).map { .init(id: "\($0)", name: "unit \($0)") },
                                  labels: labels, geometry: geometry)
        let ranked = (0..<dem.count).filter { !area[$0].isNaN }.sorted { area[$0] > area[$1] }
        let sectionCells = ranked.prefix(sections * 50).enumerated().filter { $0.offset % 50 == 0 }.map { Optional($0.element) }
        guard let routed else { throw HydroError(.invalidInput, path, "routing produced nothing") }
        var crossings = 0
        let attribute = try fastest {
            crossings = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, sectionCells: sectionCells).crossings.count
        }
        let network = try StreamNetwork(directions: directions, accumulation: Grid(geometry: geometry, trustedCells: area, nodata: .nan),
                                        threshold: 50, areaKm2: Grid(geometry: geometry, trustedCells: area, nodata: .nan))
        let found = try BorderCrossing.find(on: graph, map: map, isChannel: model.isChannel)
        var reaches: ReachGraph?
        let cut = seconds(try clock.measure {
            reaches = try ReachGraph(graph: graph, network: network, outlets: sectionCells.compactMap { $0 } + found.map(\.cell))
        })
        guard let reaches else { throw HydroError(.invalidInput, path, "no reach graph") }
        var toOutlet: [Double] = []
        var aggregated: [ReachLoads] = []
        let aggregation = fastest {
            aggregated = sources.pollutants.map { p in
                reaches.aggregate(generated: sources.generated[p] ?? [], factors: model.cellFactors(for: p),
                                  origin: { labels[$0] < 0 ? Int32(side * side) : labels[$0] }, toOutlet: &toOutlet)
            }
        }
        let keep = [Bool](repeating: false, count: reaches.count)
        let solve = fastest { for a in aggregated { _ = reaches.solve(a, keep: keep) } }
        return Result(file: path, cells: dem.count, pollutants: 3, jurisdictions: side * side, sections: sectionCells.count,
                      crossings: crossings, repeats: max(repeats, 1), threads: threads, weightedAccumulationSeconds: acc, routingSeconds: route,
                      attributionSeconds: attribute, firstRunSeconds: firstRuns,
                      routingPerPollutantRatio: route / (3 * acc), attributionPerRoutingRatio: attribute / route,
                      reaches: reaches.count, reachGraphSeconds: cut, reachAggregationSeconds: aggregation, reachSolveSeconds: solve,
                      peakResidentBytes: MemoryUsage.peakResidentBytes)
    }
}
