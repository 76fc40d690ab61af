import Foundation
import XCTest
@testable import Hydro

final class BootstrapTests: XCTestCase {
    func testIntervalRanksFollowSparrowsRule() {
        // 200 replicates at 90 %: 180 inside, 10 excluded at each end → ranks 11 and 190.
        let values = (1...200).map(Double.init).reversed().map { $0 }
        let b = Bootstrap.interval(values, level: 0.9)
        XCTAssertEqual(b.lower, 11)
        XCTAssertEqual(b.upper, 190)
        // 10 replicates: 9 inside, the one excluded is at the top.
        let ten = Bootstrap.interval((1...10).map(Double.init), level: 0.9)
        XCTAssertEqual(ten.lower, 1)
        XCTAssertEqual(ten.upper, 9)
        let odd = Bootstrap.interval((1...101).map(Double.init), level: 0.8) // 81 inside, 20 out
        XCTAssertEqual(odd.lower, 11)
        XCTAssertEqual(odd.upper, 91)
    }

    /// Merging groups: the identity gives back the run's intervals; merging two of three groups gives each
    /// draw the sum of their loads and a share that is their summed share; merging all gives a share of 1
    /// with the section load's interval.
    func testGroupedDrawsSumTheirGroups() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0.3
        let synthetic = try SyntheticSparrowModel.make(settings)
        let fit = try Calibration.fit(synthetic.model)
        var bs = Bootstrap.Settings()
        bs.draws = 40
        let a = try Bootstrap.run(fit, targets: synthetic.targets, settings: bs)
        XCTAssertEqual(a.groupNames.count, 3)
        let same = a.grouped([0, 1, 2], names: a.groupNames)
        XCTAssertEqual(same.drawLoads, a.drawLoads)
        for k in a.targets.indices {
            for g in 0..<3 {
                XCTAssertEqual(same.originLoads[k][g], a.originLoads[k][g])
                XCTAssertEqual(same.shares[k][g].value, a.shares[k][g].value, accuracy: 1e-12)
                XCTAssertEqual(same.shares[k][g].lower, a.shares[k][g].lower, accuracy: 1e-12)
                XCTAssertEqual(same.shares[k][g].upper, a.shares[k][g].upper, accuracy: 1e-12)
            }
        }
        let two = a.grouped([0, 0, 1], names: ["first two", "third"])
        let all = a.grouped([0, 0, 0], names: ["all"])
        for k in a.targets.indices {
            for (d, row) in two.drawLoads.enumerated() {
                XCTAssertEqual(row[k * 2], a.drawLoads[d][k * 3] + a.drawLoads[d][k * 3 + 1])
                XCTAssertEqual(row[k * 2 + 1], a.drawLoads[d][k * 3 + 2])
            }
            XCTAssertEqual(two.shares[k][0].value, a.shares[k][0].value + a.shares[k][1].value, accuracy: 1e-12)
            XCTAssertEqual(two.shares[k][0].value + two.shares[k][1].value, 1, accuracy: 1e-12)
            XCTAssertEqual(all.shares[k][0].value, 1, accuracy: 1e-12)
            XCTAssertEqual(all.shares[k][0].lower, 1, accuracy: 1e-12)
            XCTAssertEqual(all.originLoads[k][0].lower, a.loads[k].lower, accuracy: 1e-9 * a.loads[k].lower)
            XCTAssertEqual(all.originLoads[k][0].upper, a.loads[k].upper, accuracy: 1e-9 * a.loads[k].upper)
        }
    }

    func testSeededDrawsAreReproducibleAndConsistent() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.noise = 0.3
        let synthetic = try SyntheticSparrowModel.make(settings)
        let fit = try Calibration.fit(synthetic.model)
        var bs = Bootstrap.Settings()
        bs.draws = 50
        let a = try Bootstrap.run(fit, targets: synthetic.targets, settings: bs)
        let b = try Bootstrap.run(fit, targets: synthetic.targets, settings: bs)
        XCTAssertEqual(a.drawLoads, b.drawLoads)
        XCTAssertEqual(a.shares, b.shares)
        bs.seed = 2
        let c = try Bootstrap.run(fit, targets: synthetic.targets, settings: bs)
        XCTAssertNotEqual(a.drawLoads, c.drawLoads)
        let groups = a.groupNames.count
        XCTAssertEqual(groups, 3)
        for (k, _) in synthetic.targets.enumerated() {
            XCTAssertEqual(a.shares[k].reduce(0) { $0 + $1.value }, 1, accuracy: 1e-12, "shares sum to 1")
            for share in a.shares[k] {
                XCTAssertLessThanOrEqual(share.lower, share.upper)
                XCTAssertGreaterThanOrEqual(share.lower, 0)
                XCTAssertLessThanOrEqual(share.upper, 1)
            }
            XCTAssertLessThan(a.loads[k].lower, a.loads[k].value)
            XCTAssertGreaterThan(a.loads[k].upper, a.loads[k].value)
        }
        for draw in a.coefficientDraws {
            for (c, p) in synthetic.model.freeParameters.enumerated() {
                XCTAssertGreaterThanOrEqual(draw[c], synthetic.model.parameters[p].lower)
                XCTAssertLessThanOrEqual(draw[c], synthetic.model.parameters[p].upper)
            }
        }
        // The coefficient draws have the estimated covariance (to sampling error of 50 draws).
        let free = synthetic.model.freeParameters.count
        let means = (0..<free).map { c in a.coefficientDraws.reduce(0) { $0 + $1[c] } / 50 }
        for c in 0..<free {
            let sd = (a.coefficientDraws.reduce(0) { $0 + ($1[c] - means[c]) * ($1[c] - means[c]) } / 49).squareRoot()
            XCTAssertEqual(sd / fit.statistics.parameters[c].standardError, 1, accuracy: 0.45)
        }
    }

    /// 200 seeded repeats of fit + 200-draw bootstrap (the default) on noisy synthetic loads (80 reaches, 35 stations, so
    /// that the debug-build suite stays fast): the 90 % intervals cover the true shares (from the true
    /// coefficients) 85–95 % of the time.
    func testNinetyPercentIntervalsCoverTheTrueShares() throws {
        var covered = 0, total = 0
        for seed in 1...200 {
            var settings = SyntheticSparrowModel.Settings()
            settings.reaches = 80
            settings.stations = 35
            settings.noise = 0.3
            settings.seed = UInt64(seed)
            let synthetic = try SyntheticSparrowModel.make(settings)
            let fit = try Calibration.fit(synthetic.model)
            let target = try XCTUnwrap(synthetic.targets.max { synthetic.model.reaches.totalArea[$0] < synthetic.model.reaches.totalArea[$1] })
            var bs = Bootstrap.Settings()
            bs.seed = UInt64(1000 + seed)
            bs.draws = 200
            let result = try Bootstrap.run(fit, targets: [target], settings: bs)
            let truth = synthetic.model.loadsByOrigin(synthetic.truth)
            let trueTotal = (0..<truth.groups).reduce(0.0) { $0 + truth.loads[target * truth.groups + $1] }
            let g = 0
            let trueShare = truth.loads[target * truth.groups + g] / trueTotal
            let interval = result.shares[0][g]
            total += 1
            if interval.lower <= trueShare && trueShare <= interval.upper { covered += 1 }
        }
        let coverage = Double(covered) / Double(total)
        XCTAssertGreaterThanOrEqual(coverage, 0.85, "coverage \(coverage)")
        XCTAssertLessThanOrEqual(coverage, 0.95, "coverage \(coverage)")
    }
}
