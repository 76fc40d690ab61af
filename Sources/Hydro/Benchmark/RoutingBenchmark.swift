import Foundation

/// Times load routing and attribution against one weighted accumulation on the same graph, for
/// `hydrotool bench routing`: loads for three pollutants on every valid cell, jurisdictions as a
/// grid of blocks (88 by default, as Guizhou has 88 counties), sections at the largest stream links.
public enum RoutingBenchmark {
    public struct Result: Codable, Sendable {
        public var file: String
        public var cells: Int
        public var pollutants: Int
        public var jurisdictions: Int
        public var sections: Int
        public var crossings: Int
        /// One weighted accumulation over the routing graph, seconds.
        public var weightedAccumulationSeconds: Double
        /// Routing all pollutants, seconds.
        public var routingSeconds: Double
        /// Attribution of all pollutants at all sections and crossings, seconds.
        public var attributionSeconds: Double
        /// routing / (pollutants × one accumulation).
        public var routingPerPollutantRatio: Double
        /// attribution / routing.
        public var attributionPerRoutingRatio: Double
        public var peakResidentBytes: Int
    }

    public static func run(_ path: String, units: Int = 88, sections: Int = 20) throws -> Result {
        var dem = try RasterReader.read(path, as: Float.self)
        _ = try DepressionFilling.fill(&dem)
        let directions = try D8FlowDirection.compute(dem)
        let graph = try RoutingGraph(directions: directions)
        let geometry = dem.geometry
        let metrics = try CellMetrics(geometry)
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        var weights = [Double](repeating: 0, count: dem.count)
        for i in 0..<dem.count where dem.isValid(at: i) { weights[i] = metrics.area[i / dem.width] / 1e6 }
        var area: [Double] = []
        let accumulation = clock.measure { area = graph.accumulate { weights[$0] } }
        let model = try LoadModel(graph: graph, isChannel: area.map { $0 >= 50 },
                                  parameters: TransportParameters(decayPerDay: [Pollutant("CODMn"): 0.1, Pollutant("NH3-N"): 0.2, Pollutant("TP"): 0.05],
                                                                  velocity: .powerLaw(a: 0.1, b: 0.2), delivery: .exponential(lengthScale: 2000)))
        var sources = LoadSources(pollutants: [Pollutant("CODMn"), Pollutant("NH3-N"), Pollutant("TP")], cellCount: dem.count)
        for (k, p) in sources.pollutants.enumerated() {
            for i in 0..<dem.count where dem.isValid(at: i) { sources.add(p, cell: i, kgPerYear: weights[i] * Double(10 + k)) }
        }
        var routed: RoutedLoads?
        let routing = try clock.measure { routed = try LoadRouting.route(sources, model: model) }
        // Jurisdictions: a grid of blocks.
        let side = max(1, Int(Double(units).squareRoot().rounded()))
        let labels = (0..<dem.count).map { i -> Int32 in
            guard dem.isValid(at: i) else { return -1 }
            let r = (i / dem.width) * side / dem.height, c = (i % dem.width) * side / dem.width
            return Int32(r * side + c)
        }
        let map = JurisdictionMap(level: .county, units: (0..<(side * side)).map { .init(id: "\($0)", name: "unit \($0)") },
                                  labels: labels, geometry: geometry)
        let ranked = (0..<dem.count).filter { !area[$0].isNaN }.sorted { area[$0] > area[$1] }
        let sectionCells = ranked.prefix(sections * 50).enumerated().filter { $0.offset % 50 == 0 }.map { Optional($0.element) }
        guard let routed else { throw HydroError(.invalidInput, path, "routing produced nothing") }
        var crossings = 0
        let attribution = try clock.measure {
            crossings = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, sectionCells: sectionCells).crossings.count
        }
        let acc = seconds(accumulation), route = seconds(routing), attribute = seconds(attribution)
        return Result(file: path, cells: dem.count, pollutants: 3, jurisdictions: side * side, sections: sectionCells.count,
                      crossings: crossings, weightedAccumulationSeconds: acc, routingSeconds: route, attributionSeconds: attribute,
                      routingPerPollutantRatio: route / (3 * acc), attributionPerRoutingRatio: attribute / route,
                      peakResidentBytes: MemoryUsage.peakResidentBytes)
    }
}
