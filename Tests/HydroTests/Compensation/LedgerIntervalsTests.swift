import Foundation
import XCTest
@testable import Hydro

final class LedgerIntervalsTests: XCTestCase {
    private let scheme = """
    [scheme]
    name = "two-way"
    year = 2024
    [[sections]]
    id = "S"
    upstream = ["520302", "520303"]
    downstream = ["520381"]
    parameters = ["CODMn", "NH3-N", "TP"]
    target = "Class II"
    [[rules]]
    type = "monthly_two_way"
    amount_met = 100_000
    amount_missed = 200_000
    mode = "fixed"
    split = "proportional"
    """

    /// Months 1–9 meet Class II, 10 and 11 miss it on TP, 12 is not monitored.
    private func monitoring() -> MonitoringData {
        var m = MonitoringData()
        for month in 1...11 {
            let key = MonitoringData.Key(section: "S", period: String(format: "2024-%02d", month))
            m.concentrations[key] = [Pollutant("CODMn"): 3, Pollutant("NH3-N"): 0.3, Pollutant("TP"): month >= 10 ? 0.15 : 0.05]
        }
        return m
    }

    private func loads(_ a: Double, _ b: Double, background: Double = 0) -> AttributedLoads {
        AttributedLoads(byParty: ["S": [Pollutant("TP"): ["520302": a, "520303": b]]], background: ["S": [Pollutant("TP"): background]])
    }

    /// Two draws with known loads: a missed month's 200,000 is split 3 : 1 in the first draw (150,000 and
    /// 50,000) and 1 : 1 in the second (100,000 each); with two draws a 90 % interval holds both
    /// (⌈0.9 · 2⌉ = 2), so the bounds are the two amounts. Payments that do not depend on the loads
    /// (the met months, split equally) have bounds equal to the amount.
    func testTwoDrawsGiveTheirAmountsAsBounds() throws {
        let s = try Scheme(try ConfigFile.parseTOML(scheme, file: "scheme.toml"))
        let data = monitoring()
        let point = try Settlement.compute(s, monitoring: data, attributed: loads(300, 200))
        let (intervals, settlements) = try LedgerIntervals.compute(s, monitoring: data, point: point, draws: [loads(300, 100, background: 50), loads(100, 100)],
                                                                   level: 0.9, uncalibrated: ["S": [Pollutant("CODMn")]])
        XCTAssertEqual(intervals.entries.count, point.entries.count)
        XCTAssertEqual(intervals.draws, 2)
        var checked = 0
        for (e, b) in zip(point.entries, intervals.entries) {
            switch (e.period >= "2024-10", e.payer) {
            case (true, "520302"):
                XCTAssertEqual(e.fen, 12_000_000)
                XCTAssertEqual([b.lowerFen, b.upperFen], [10_000_000, 15_000_000])
                XCTAssertNotNil(b.note, "a split by attributed load says which loads it holds fixed")
            case (true, "520303"):
                XCTAssertEqual(e.fen, 8_000_000)
                XCTAssertEqual([b.lowerFen, b.upperFen], [5_000_000, 10_000_000])
            default:
                XCTAssertEqual([b.lowerFen, b.upperFen], [e.fen, e.fen], "\(e.period) \(e.payer) → \(e.payee)")
                XCTAssertNil(b.note)
            }
            checked += 1
        }
        XCTAssertEqual(checked, 9 * 2 + 2 * 2)
        // Net of 520302: 9 × 50,000 received less the two missed months (2 × 150,000, or 2 × 100,000).
        XCTAssertEqual(intervals.balances["520302"], LedgerIntervals.Bounds(lowerFen: 15_000_000, upperFen: 25_000_000))
        XCTAssertEqual(intervals.balances["520381"], LedgerIntervals.Bounds(lowerFen: -90_000_000 + 40_000_000, upperFen: -90_000_000 + 40_000_000))
        // Every draw's ledger conserves money to the fen: balances sum to zero and each payment
        // (period, section, rule) totals what it totals in the point ledger.
        func totals(_ s: Settlement) -> [String: Int64] {
            var t: [String: Int64] = [:]
            for e in s.entries { t["\(e.period)|\(e.section)|\(e.rule)", default: 0] += e.fen }
            return t
        }
        for d in settlements {
            XCTAssertEqual(d.balanceFen.values.reduce(0, +), 0)
            XCTAssertEqual(totals(d), totals(point))
        }
    }

    /// A draw's county loads summed to the scheme's parties whatever their level: a prefecture takes its
    /// counties, a province its own, and load from no party (outside) is background.
    func testDrawnLoadsSumCountiesToParties() throws {
        let text = scheme.replacingOccurrences(of: "upstream = [\"520302\", \"520303\"]", with: "upstream = [\"520300\", \"530000\"]")
        let s = try Scheme(try ConfigFile.parseTOML(text, file: "scheme.toml"))
        let draws = [CalibrationRecord.SectionDraws(section: "S", origins: ["520302", "520303", "530627", "outside"],
                                                    loads: [[10, 20, 5, 1], [30, 0, 7, 0]])]
        let drawn = try LedgerIntervals.drawnLoads(s, point: AttributedLoads(), draws: [Pollutant("TP"): draws], source: "calibration.json") {
            ProjectRun.belongs($0, to: $1, groups: s.groups)
        }
        XCTAssertEqual(drawn.count, 2)
        XCTAssertEqual(drawn[0].byParty["S"]?[Pollutant("TP")], ["520300": 30, "530000": 5])
        XCTAssertEqual(drawn[0].background["S"]?[Pollutant("TP")], 1)
        XCTAssertEqual(drawn[1].byParty["S"]?[Pollutant("TP")], ["520300": 30, "530000": 7])
        XCTAssertEqual(drawn[1].background["S"]?[Pollutant("TP")], 0)
        let unequal = [CalibrationRecord.SectionDraws(section: "S", origins: ["520302"], loads: [[1]]),
                       CalibrationRecord.SectionDraws(section: "T", origins: ["520302"], loads: [[1], [2]])]
        XCTAssertThrowsError(try LedgerIntervals.drawnLoads(s, point: AttributedLoads(), draws: [Pollutant("TP"): unequal], source: "calibration.json") { _, _ in true }) {
            XCTAssertTrue("\($0)".hasPrefix("calibration.json: holds bootstrap draws of unequal number"), "\($0)")
        }
    }
}
