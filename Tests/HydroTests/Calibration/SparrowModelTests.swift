import Foundation
import XCTest
@testable import Hydro

final class SparrowModelTests: XCTestCase {
    /// Two reaches in a row: reach 1 drains into reach 2, which has a reservoir.
    func chain(stations: [CalibrationStation] = []) throws -> SparrowModel {
        let table = try ReachTable(
            ids: ["a", "b"], upstream: [[], [(0, 1)]], frac: [1, 0.8], incrementalArea: [10, 20], totalArea: [10, 30],
            variables: ["land": [10, 20], "point": [0, 100], "z": [1, 3], "t": [0.5, 1.0], "q": [0, 0.25]], source: "chain")
        return try SparrowModel(
            reaches: table,
            parameters: [
                CalibrationParameter(name: "land", kind: .source, initial: 2, lower: 0, upper: 100),
                CalibrationParameter(name: "point", kind: .source, initial: 0.5, lower: 0, upper: 1),
                CalibrationParameter(name: "z", kind: .delivery, initial: 0.3, lower: -2, upper: 2),
                CalibrationParameter(name: "t", kind: .decay, initial: 0.4, lower: 0, upper: 2),
                CalibrationParameter(name: "q", kind: .reservoir, initial: 2, lower: 0, upper: 10),
            ],
            design: [[true], [false]], stations: stations)
    }

    func testHandComputedLoads() throws {
        let model = try chain()
        let e = model.evaluate(model.initialValues, conditioned: false)
        // z is mean-centred: mean 2, so z' = -1, +1.
        let inc1 = exp(-0.5 * 0.4 * 0.5) * (2 * 10 * exp(0.3 * -1))
        let r2 = 1 / (1 + 2 * 0.25)
        let inc2 = exp(-0.5 * 0.4 * 1.0) * r2 * (2 * 20 * exp(0.3 * 1) + 0.5 * 100)
        let load2 = inc2 + 0.8 * exp(-0.4 * 1.0) * r2 * inc1
        XCTAssertEqual(model.deliveryMeans, [2])
        XCTAssertEqual(e.incremental[0], inc1, accuracy: 1e-12)
        XCTAssertEqual(e.load[0], inc1, accuracy: 1e-12)
        XCTAssertEqual(e.incremental[1], inc2, accuracy: 1e-12)
        XCTAssertEqual(e.load[1], load2, accuracy: 1e-12)
        // Conditioned on an observed 7 kg/yr at reach a, reach b sees 7 in place of inc1.
        let conditioned = try chain(stations: [CalibrationStation(reach: 0, name: "A", observedLoad: 7), CalibrationStation(reach: 1, name: "B", observedLoad: 50)])
        let c = conditioned.evaluate(conditioned.initialValues, conditioned: true)
        XCTAssertEqual(c.load[0], inc1, accuracy: 1e-12, "a station's own prediction is not replaced")
        XCTAssertEqual(c.load[1], inc2 + 0.8 * exp(-0.4) * r2 * 7, accuracy: 1e-12)
    }

    func testJacobianMatchesCentralDifferences() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.reaches = 300
        settings.noise = 0.2
        let synthetic = try SyntheticSparrowModel.make(settings)
        let model = synthetic.model
        // Away from the truth, so that no derivative is special.
        let theta = synthetic.truth.enumerated().map { $0.element * (1 + 0.1 * Double($0.offset % 3 + 1)) + 0.01 }
        for conditioned in [true, false] {
            let e = model.evaluate(theta, conditioned: conditioned, derivatives: true)
            let j = try XCTUnwrap(e.logJacobian)
            XCTAssertEqual(j.columns, model.freeParameters.count)
            for (c, p) in model.freeParameters.enumerated() {
                let h = 1e-5 * max(abs(theta[p]), 1e-3)
                var up = theta, down = theta
                up[p] += h
                down[p] -= h
                let lu = model.evaluate(up, conditioned: conditioned).stationLoad
                let ld = model.evaluate(down, conditioned: conditioned).stationLoad
                var largest = 0.0
                for s in 0..<model.stations.count {
                    let fd = (log(lu[s]) - log(ld[s])) / (2 * h)
                    largest = max(largest, abs(j[s, c]))
                    XCTAssertEqual(j[s, c], fd, accuracy: 1e-6 * max(1, abs(fd)), "\(model.parameters[p].name) at station \(s), conditioned \(conditioned)")
                }
                XCTAssertGreaterThan(largest, 1e-4, "\(model.parameters[p].name) should move some station's load")
            }
        }
    }

    func testConditioningChangesOnlyReachesDownstreamOfStations() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0.3
        settings.stations = 25
        let synthetic = try SyntheticSparrowModel.make(settings)
        let model = synthetic.model
        let conditioned = model.evaluate(synthetic.truth, conditioned: true).load
        let unconditioned = model.evaluate(synthetic.truth, conditioned: false).load
        // Strictly downstream: fed (directly or not) by a station reach.
        var below = [Bool](repeating: false, count: model.reaches.count)
        var isStation = [Bool](repeating: false, count: model.reaches.count)
        for s in model.stations { isStation[s.reach] = true }
        for i in 0..<model.reaches.count {
            for e in model.reaches.upstreamStart[i]..<model.reaches.upstreamStart[i + 1] {
                let j = model.reaches.upstreamReach[e]
                if isStation[j] || below[j] { below[i] = true }
            }
        }
        var differing = 0
        for i in 0..<model.reaches.count {
            if below[i] {
                if conditioned[i] != unconditioned[i] { differing += 1 }
            } else {
                XCTAssertEqual(conditioned[i], unconditioned[i], "reach \(i) is not below a station")
            }
        }
        XCTAssertGreaterThan(differing, 20, "noisy stations change the loads below them")
    }
}
