import Foundation
import XCTest
@testable import Hydro

final class CalibrationFitTests: XCTestCase {
    func testNoiseFreeLoadsGiveTheCoefficientsBack() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0
        let synthetic = try SyntheticSparrowModel.make(settings)
        let result = try Calibration.fit(synthetic.model)
        XCTAssertTrue(result.solver.converged, result.solver.reason)
        for (k, p) in synthetic.model.parameters.enumerated() {
            XCTAssertEqual(result.theta[k], synthetic.truth[k], accuracy: 1e-6 * abs(synthetic.truth[k]), p.name)
        }
        XCTAssertLessThan(result.statistics.conditioned.sse, 1e-20)
    }

    func testNoisyLoadsGiveEstimatesWithinThreeStandardErrors() throws {
        for seed: UInt64 in [3, 4, 5] {
            var settings = SyntheticSparrowModel.Settings()
            settings.noise = 0.25
            settings.stations = 60
            settings.seed = seed
            let synthetic = try SyntheticSparrowModel.make(settings)
            let result = try Calibration.fit(synthetic.model)
            XCTAssertTrue(result.solver.converged, result.solver.reason)
            for estimate in result.statistics.parameters {
                let k = try XCTUnwrap(synthetic.model.parameters.firstIndex { $0.name == estimate.name })
                XCTAssertLessThan(abs(estimate.estimate - synthetic.truth[k]), 3 * estimate.standardError,
                                  "seed \(seed) \(estimate.name): \(estimate.estimate) ± \(estimate.standardError), truth \(synthetic.truth[k])")
            }
            // Lognormal noise leaves normal log residuals: Shapiro–Wilk does not reject them.
            let normality = try XCTUnwrap(result.statistics.normality)
            XCTAssertEqual(normality.count, 60)
            XCTAssertGreaterThan(normality.shapiroWilkP, 0.001, "seed \(seed)")
            XCTAssertGreaterThan(normality.ppcc, 0.95, "seed \(seed)")
            // The minimum: no coordinate step lowers the sum of squares.
            let free = synthetic.model.freeParameters
            for (c, p) in free.enumerated() {
                for factor in [1 - 1e-6, 1 + 1e-6] {
                    var theta = result.theta
                    theta[p] *= factor
                    let r = try XCTUnwrap(Calibration.residuals(synthetic.model, theta: theta, weights: result.weights, conditioned: true, derivatives: false))
                    XCTAssertGreaterThanOrEqual(r.residuals.reduce(0) { $0 + $1 * $1 }, result.solver.sumOfSquares * (1 - 1e-15), "parameter \(c)")
                }
            }
        }
    }

    func testBoundsHold() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0.1
        let synthetic = try SyntheticSparrowModel.make(settings)
        // The truth for crops is 1500: cap it at 1000; then floor the slope coefficient above its truth of 0.6.
        for (index, lower, upper, start, expected) in [(1, 0.0, 1000.0, 900.0, 1000.0), (3, 0.9, 5.0, 1.0, 0.9)] {
            var parameters = synthetic.model.parameters
            parameters[index].lower = lower
            parameters[index].upper = upper
            parameters[index].initial = start
            let model = try SparrowModel(reaches: synthetic.model.reaches, parameters: parameters, design: synthetic.model.design,
                                         stations: synthetic.model.stations)
            let result = try Calibration.fit(model)
            XCTAssertTrue(result.solver.converged, result.solver.reason)
            for (k, p) in model.parameters.enumerated() {
                XCTAssertGreaterThanOrEqual(result.theta[k], p.lower, p.name)
                XCTAssertLessThanOrEqual(result.theta[k], p.upper, p.name)
            }
            XCTAssertEqual(result.theta[index], expected)
            XCTAssertTrue(result.statistics.parameters[index].atBound)
            XCTAssertFalse(result.statistics.parameters[0].atBound)
        }
    }

    func testFixedParametersStayAtTheirValues() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0
        let synthetic = try SyntheticSparrowModel.make(settings)
        var parameters = synthetic.model.parameters
        parameters[6].isFixed = true
        parameters[6].initial = 4 // the truth
        let model = try SparrowModel(reaches: synthetic.model.reaches, parameters: parameters, design: synthetic.model.design, stations: synthetic.model.stations)
        let result = try Calibration.fit(model)
        XCTAssertEqual(result.theta[6], 4)
        XCTAssertEqual(result.statistics.parameters.count, 6)
        XCTAssertEqual(result.theta[0], 300, accuracy: 300e-6)
    }

    func testTooFewStationsAndSingularFitsAreRefused() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.stations = 7
        let few = try SyntheticSparrowModel.make(settings)
        XCTAssertThrowsError(try Calibration.fit(few.model)) { error in
            XCTAssertEqual("\(error)", "synthetic model: has 7 calibration stations for 7 estimated parameters; at least 8 are needed")
        }
        // Two sources with the same variable cannot be told apart.
        settings.stations = 40
        let synthetic = try SyntheticSparrowModel.make(settings)
        var table = synthetic.model.reaches
        table.variables["crops2"] = table.variables["crops"]
        var parameters = synthetic.model.parameters
        parameters.insert(CalibrationParameter(name: "crops2", kind: .source, initial: 200, lower: 0, upper: 1e5), at: 2)
        let model = try SparrowModel(reaches: table, parameters: parameters, design: [[true], [true], [true], [false]], stations: synthetic.model.stations)
        XCTAssertThrowsError(try Calibration.fit(model)) { error in
            XCTAssertEqual("\(error)", "synthetic model: the fit is singular: the stations cannot tell apart crops, crops2 (their effects on the station loads are collinear; fix one of them or add stations that separate them)")
        }
    }

    /// One source on isolated reaches: L̂ₛ = β Sₛ, so ln β̂ is the mean of ln(Lₛ/Sₛ) and every statistic has
    /// a closed form.
    func testStatisticsOfAOneParameterModel() throws {
        let s: [Double] = [1, 2, 4, 8]
        let e: [Double] = [0.1, -0.2, 0.3, -0.2] // mean 0, so β̂ = 10 exactly
        let table = try ReachTable(ids: ["1", "2", "3", "4"], upstream: [[], [], [], []], frac: [1, 1, 1, 1], incrementalArea: s,
                                   totalArea: s, variables: ["area": s], source: "one")
        let stations = (0..<4).map { CalibrationStation(reach: $0, name: "S\($0)", observedLoad: 10 * s[$0] * exp(e[$0])) }
        let model = try SparrowModel(reaches: table, parameters: [CalibrationParameter(name: "area", kind: .source, initial: 3, lower: 0, upper: 100)],
                                     design: [[]], stations: stations)
        let result = try Calibration.fit(model)
        let st = result.statistics
        XCTAssertEqual(result.theta[0], 10, accuracy: 1e-9)
        XCTAssertEqual(st.conditioned.sse, 0.18, accuracy: 1e-12)
        XCTAssertEqual(st.conditioned.mse, 0.06, accuracy: 1e-12)
        XCTAssertEqual(st.conditioned.rmse, 0.06.squareRoot(), accuracy: 1e-12)
        // J = −1/β per station, JᵀJ = 4/β², SE = β √(MSE/4).
        XCTAssertEqual(st.parameters[0].standardError, 10 * (0.06 / 4).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(st.parameters[0].t, 1 / (0.06 / 4).squareRoot(), accuracy: 1e-7)
        // Three degrees of freedom: p = 1 − (2/π)(atan(t/√3) + (t/√3)/(1 + t²/3)).
        let t = st.parameters[0].t, u = t / 3.0.squareRoot()
        XCTAssertEqual(st.parameters[0].pValue, 1 - 2 / Double.pi * (atan(u) + u / (1 + u * u)), accuracy: 1e-12)
        XCTAssertEqual(st.parameters[0].vif, 1, accuracy: 1e-12)
        XCTAssertEqual(st.eigenvalueSpread, 1, accuracy: 1e-12)
        let lnObs = (0..<4).map { log(10 * s[$0]) + e[$0] }
        let mean = lnObs.reduce(0, +) / 4
        let sst = lnObs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        XCTAssertEqual(st.conditioned.rSquared, 1 - 0.18 / sst, accuracy: 1e-12)
        XCTAssertEqual(st.conditioned.adjustedRSquared, 1 - (0.18 / 3) / (sst / 3), accuracy: 1e-12)
        // Yield = load / area = 10 e^{eₛ}: its total sum of squares equals the SSE.
        XCTAssertEqual(st.conditioned.yieldRSquared, 0, accuracy: 1e-9)
        let observedSum = (0..<4).reduce(0.0) { $0 + 10 * s[$1] * exp(e[$1]) }
        XCTAssertEqual(st.conditioned.percentBias, 100 * (150 - observedSum) / observedSum, accuracy: 1e-9)
        XCTAssertEqual(st.unconditioned, st.conditioned, "no station is upstream of another")
        for (k, row) in st.stations.enumerated() {
            XCTAssertEqual(row.leverage, 0.25, accuracy: 1e-12)
            XCTAssertEqual(row.residual, e[k], accuracy: 1e-9)
            XCTAssertEqual(row.standardizedResidual, e[k] / (0.06.squareRoot() * 0.75.squareRoot()), accuracy: 1e-8)
            XCTAssertEqual(row.cooksDistance, e[k] * e[k] * 0.25 / (0.06 * 0.75 * 0.75), accuracy: 1e-9)
            XCTAssertFalse(row.highLeverage) // 0.25 < 3·1/4
        }
        let smear = e.reduce(0) { $0 + exp($1 / 0.75.squareRoot()) } / 4
        XCTAssertEqual(st.smearingFactor, smear, accuracy: 1e-9)
    }

    func testPowerWeightsFitTheResidualVariance() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0.2
        settings.stations = 50
        let synthetic = try SyntheticSparrowModel.make(settings)
        var options = CalibrationOptions()
        options.weighting = .predictedLoadPower
        let result = try Calibration.fit(synthetic.model, options: options)
        XCTAssertEqual(result.weights.reduce(0, +) / Double(result.weights.count), 1, accuracy: 1e-12)
        XCTAssertTrue(result.weights.contains { abs($0 - 1) > 1e-6 }, "weights vary with the predicted load")
        XCTAssertTrue(result.solver.converged)
    }
}
