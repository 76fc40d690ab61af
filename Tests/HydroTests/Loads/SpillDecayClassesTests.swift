import Foundation
import XCTest
@testable import Hydro

/// A spill decays as the loads do: with calibrated decay classes, each cell passed decays the mass at
/// its own class's rate (exp(−Σ kᵢ·tᵢ)); with one rate everywhere that is exp(−k·t).
final class SpillDecayClassesTests: XCTestCase {
    func testSpillDecaysAtEachCellsClassRate() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 7, size: 90)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.loads)
        let base = try run.model()
        let graph = try run.graph()
        let tp = Pollutant("TP")
        func model(_ classes: [TransportParameters.DecayClass]) throws -> LoadModel {
            var parameters = base.parameters
            parameters.decayClasses[tp] = classes
            return try LoadModel(graph: graph, upstreamAreaKm2: try run.upstream().values.cells, isChannel: Array(base.isChannel), parameters: parameters)
        }
        // A hillslope cell: its path runs overland, then down the channel.
        let hillslope = (0..<graph.geometry.cellCount).filter { !base.isChannel[$0] && graph.directions.codes[$0] != D8.noData }
        let start = try XCTUnwrap(hillslope.max { a, b in
            SpillTrace.trace(from: a, mass: 1, model: base, decayPerDay: 0, sections: [], units: nil).path.count
                < SpillTrace.trace(from: b, mass: 1, model: base, decayPerDay: 0, sections: [], units: nil).path.count
        })
        // Two classes with one rate: the per-cell sum equals the single-rate formula.
        let same = try model([.init(maxVelocity: 0.4, rate: 0.3), .init(maxVelocity: nil, rate: 0.3)])
        let perCell = SpillTrace.trace(from: start, mass: 100, model: same, decayPerDay: 0, decayAt: { same.decayRate(atCell: $0, for: tp) },
                                       sections: [(graph.geometry.cellCount - 1, "end")], units: nil)
        let uniform = SpillTrace.trace(from: start, mass: 100, model: same, decayPerDay: 0.3, sections: [(graph.geometry.cellCount - 1, "end")], units: nil)
        XCTAssertEqual(perCell.path, uniform.path)
        XCTAssertGreaterThan(perCell.outletHours, 1)
        // Two different rates: the mass left at the end is exp(−Σ kᵢ·tᵢ) over the path, each step's time
        // and rate taken from the model independently of the trace.
        // Off the channel the first class's rate applies; every channel cell (any velocity above 1e-9 m/s) takes the second.
        let split = try model([.init(maxVelocity: 1e-9, rate: 0.05), .init(maxVelocity: nil, rate: 0.6)])
        let last = try XCTUnwrap(perCell.path.last)
        let traced = SpillTrace.trace(from: start, mass: 100, model: split, decayPerDay: 0, decayAt: { split.decayRate(atCell: $0, for: tp) },
                                      sections: [(last, "end")], units: nil)
        var exponent = 0.0, uniformExponent = 0.0
        var rates = Set<Double>()
        for c in traced.path.dropLast() {
            let days = split.isChannel[c] ? split.travelDays(c) : split.reachLength(of: c) / 0.1 / 86400
            let rate: Double
            if split.isChannel[c] {
                rate = split.parameters.velocity.value(areaKm2: try run.upstream().values.cells[c]) < 1e-9 ? 0.05 : 0.6
            } else {
                rate = 0.05
            }
            rates.insert(rate)
            exponent += rate * days
            uniformExponent += 0.3 * days
        }
        let end = try XCTUnwrap(traced.stops.last { $0.label == "end" })
        XCTAssertEqual(end.remaining, 100 * exp(-exponent), accuracy: 1e-9 * 100)
        XCTAssertEqual(uniform.outletHours, perCell.outletHours)
        let endUniform = try XCTUnwrap(SpillTrace.trace(from: start, mass: 100, model: same, decayPerDay: 0.3, sections: [(last, "end")], units: nil).stops.last)
        XCTAssertEqual(endUniform.remaining, 100 * exp(-uniformExponent), accuracy: 1e-9 * 100)
        let endPerCell = try XCTUnwrap(SpillTrace.trace(from: start, mass: 100, model: same, decayPerDay: 0,
                                                        decayAt: { same.decayRate(atCell: $0, for: tp) }, sections: [(last, "end")], units: nil).stops.last)
        XCTAssertEqual(endPerCell.remaining, endUniform.remaining, accuracy: 1e-9 * endUniform.remaining)
        XCTAssertEqual(rates.count, 2, "the path passes hillslope and channel cells")
    }
}
