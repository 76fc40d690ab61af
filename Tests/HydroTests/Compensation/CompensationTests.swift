import Foundation
import XCTest
@testable import Hydro

final class CompensationTests: XCTestCase {
    private func scheme(_ text: String) throws -> Scheme {
        try Scheme(try ConfigFile.parseTOML(text, file: "scheme.toml"))
    }

    private func monitoring(_ rows: [(String, String, String, Double)], volume: Double? = nil) -> MonitoringData {
        var m = MonitoringData()
        for (section, period, parameter, value) in rows {
            let key = MonitoringData.Key(section: section, period: period)
            m.concentrations[key, default: [:]][Pollutant(parameter)] = value
            if let volume { m.volumes[key] = volume }
        }
        return m
    }

    private func year(_ section: String, tp: (Int) -> Double, skip: Set<Int> = []) -> [(String, String, String, Double)] {
        (1...12).filter { !skip.contains($0) }.flatMap { month -> [(String, String, String, Double)] in
            let period = String(format: "2024-%02d", month)
            return [(section, period, "CODMn", 3.0), (section, period, "NH3-N", 0.3), (section, period, "TP", tp(month))]
        }
    }

    func testChishuiPooledFundReproducesTheHandLedger() throws {
        let s = try scheme("""
        [scheme]
        name = "Chishui"
        year = 2024
        [[sections]]
        id = "QSP"
        name = "清水铺"
        upstream = ["530000"]
        downstream = ["520000", "510000"]
        target = "Class II"
        [[sections]]
        id = "LYX"
        name = "鲢鱼溪"
        upstream = ["520000"]
        downstream = ["510000"]
        target = "Class II"
        [[rules]]
        type = "pooled_fund"
        total = 200_000_000
        contributions = { "530000" = 1, "520000" = 5, "510000" = 4 }
        allocation = { "530000" = 3, "520000" = 4, "510000" = 3 }
        [[rules.failures]]
        section = "QSP"
        weight = 0.5
        deduct_from = "530000"
        give_to = { "520000" = 0.5, "510000" = 0.5 }
        [[rules.failures]]
        section = "LYX"
        weight = 0.5
        deduct_from = "520000"
        give_to = "510000"
        """)
        // Qingshuipu misses Class II on TP (annual mean 0.15 > 0.1); Lianyuxi meets it.
        let data = monitoring(year("QSP", tp: { _ in 0.15 }) + year("LYX", tp: { _ in 0.08 }))
        let settlement = try Settlement.compute(s, monitoring: data, attributed: nil)
        let b = settlement.balances
        XCTAssertEqual(b["530000"] ?? 0, -20e6 + 60e6 - 30e6, accuracy: 1e-6)
        XCTAssertEqual(b["520000"] ?? 0, -100e6 + 80e6 + 15e6, accuracy: 1e-6)
        XCTAssertEqual(b["510000"] ?? 0, -80e6 + 60e6 + 15e6, accuracy: 1e-6)
        XCTAssertEqual(b[Settlement.fund] ?? 0, 0, accuracy: 1e-6)
        XCTAssertEqual(settlement.fundIntake, 200e6, accuracy: 1e-6)
        XCTAssertEqual(settlement.fundPayout, settlement.fundIntake, accuracy: 1e-6)
        XCTAssertEqual(b.values.reduce(0, +), 0, accuracy: 1e-6)
        XCTAssertEqual(settlement.entries.filter { $0.section == "QSP" }.count, 2)
        XCTAssertTrue(settlement.gaps.isEmpty)
    }

    private let monthlyScheme = """
    [scheme]
    name = "two-way"
    year = 2024
    [[sections]]
    id = "S"
    upstream = ["A", "B"]
    downstream = ["D"]
    parameters = ["CODMn", "NH3-N", "TP"]
    target = "Class II"
    [[rules]]
    type = "monthly_two_way"
    amount_met = 100_000
    amount_missed = 200_000
    split = "SPLIT"
    """

    func testMonthlyTwoWayRuleReproducesTheHandLedger() throws {
        // Months 1–9 meet Class II, 10–11 miss on TP, 12 is missing.
        let data = monitoring(year("S", tp: { $0 >= 10 ? 0.15 : 0.05 }, skip: [12]))
        let equal = try Settlement.compute(try scheme(monthlyScheme.replacingOccurrences(of: "SPLIT", with: "equal")), monitoring: data, attributed: nil)
        XCTAssertEqual(equal.entries.count, 9 * 2 + 2 * 2)
        XCTAssertEqual(equal.balances["A"] ?? 0, 9 * 50_000 - 2 * 100_000, accuracy: 1e-9)
        XCTAssertEqual(equal.balances["B"] ?? 0, 9 * 50_000 - 2 * 100_000, accuracy: 1e-9)
        XCTAssertEqual(equal.balances["D"] ?? 0, -900_000 + 400_000, accuracy: 1e-9)
        XCTAssertEqual(equal.gaps, ["S 2024-12: no CODMn, NH3-N, TP measurement"])
        // Split by attributed loads (A 300, B 100 kg/yr of TP): A carries three quarters; totals unchanged.
        let loads = AttributedLoads(byParty: ["S": [Pollutant("TP"): ["A": 300, "B": 100]]], background: ["S": [Pollutant("TP"): 0]])
        let proportional = try Settlement.compute(try scheme(monthlyScheme.replacingOccurrences(of: "SPLIT", with: "proportional")),
                                                  monitoring: data, attributed: loads)
        XCTAssertEqual(proportional.balances["A"] ?? 0, 9 * 50_000 - 2 * 150_000, accuracy: 1e-6)
        XCTAssertEqual(proportional.balances["B"] ?? 0, 9 * 50_000 - 2 * 50_000, accuracy: 1e-6)
        let shapley = try Settlement.compute(try scheme(monthlyScheme.replacingOccurrences(of: "SPLIT", with: "shapley")),
                                             monitoring: data, attributed: loads)
        for other in [proportional, shapley] {
            XCTAssertEqual(other.totalPaid, equal.totalPaid, accuracy: 1e-6, "switching the split changes only the split")
            XCTAssertEqual(other.balances["D"] ?? 0, equal.balances["D"] ?? 0, accuracy: 1e-6)
        }
        // TP 0.15 against 0.1: A's part alone (0.1125) breaks the target, B's alone (0.0375) does not.
        // v(A) = 0.0125, v(B) = 0, v(AB) = 0.05: φA = (0.0125 + 0.05)/2, φB = (0 + 0.0375)/2, so A carries 0.625.
        let aPays = shapley.entries.filter { $0.payer == "A" }.reduce(0) { $0 + $1.amount }
        let bPays = shapley.entries.filter { $0.payer == "B" }.reduce(0) { $0 + $1.amount }
        XCTAssertEqual(aPays, 2 * 200_000 * 0.625, accuracy: 1e-6)
        XCTAssertGreaterThan(aPays, bPays)
    }

    func testExcessLoadIsPricedFromConcentrationAndVolume() throws {
        let text = monthlyScheme.replacingOccurrences(of: "SPLIT", with: "equal")
            .replacingOccurrences(of: "amount_missed = 200_000", with: "mode = \"excess_load\"\nunit_price = { TP = 100, CODMn = 1, \"NH3-N\" = 10 }")
        let data = monitoring(year("S", tp: { $0 == 1 ? 0.3 : 0.05 }), volume: 1e7)
        let s = try Settlement.compute(try scheme(text), monitoring: data, attributed: nil)
        // (0.3 − 0.1) mg/L × 1e7 m³ = 2000 kg, at 100 per kg.
        let missed = s.entries.filter { $0.period == "2024-01" }
        XCTAssertEqual(missed.reduce(0) { $0 + $1.amount }, 200_000, accuracy: 1e-6)
        XCTAssertTrue(missed.allSatisfy { $0.payee == "D" })
    }

    func testIndexRuleMovesMoneyBothWays() throws {
        let text = """
        [scheme]
        year = 2024
        [[sections]]
        id = "X"
        upstream = ["Anhui"]
        downstream = ["Zhejiang"]
        parameters = ["CODMn", "NH3-N", "TP"]
        target = "Class II"
        [[rules]]
        type = "index"
        k0 = 0.85
        amount = 1e8
        parameters = ["CODMn", "NH3-N", "TP"]
        """
        // P = 0.85 × (3/4 + 0.3/0.5 + 0.08/0.1)/3 = 0.6092 ≤ 1: downstream pays upstream.
        let good = try Settlement.compute(try scheme(text), monitoring: monitoring(year("X", tp: { _ in 0.08 })), attributed: nil)
        XCTAssertEqual(good.balances["Anhui"] ?? 0, 1e8)
        XCTAssertTrue(good.entries[0].rule.contains("0.6092"), good.entries[0].rule)
        // TP at 0.4: P = 0.85 × (0.75 + 0.6 + 4)/3 = 1.516 > 1: upstream pays.
        let bad = try Settlement.compute(try scheme(text), monitoring: monitoring(year("X", tp: { _ in 0.4 })), attributed: nil)
        XCTAssertEqual(bad.balances["Zhejiang"] ?? 0, 1e8)
    }

    func testShapleyEfficiencySymmetryAndNullPlayer() {
        // Excess over a threshold of 10 with contributions 6, 6, 0, 3.
        let c = [6.0, 6, 0, 3]
        let worth: ([Bool]) -> Double = { m in max(0, zip(m, c).reduce(0) { $0 + ($1.0 ? $1.1 : 0) } - 10) }
        let r = Shapley.values(parties: 4, worth: worth)
        XCTAssertTrue(r.exact)
        XCTAssertEqual(r.values.reduce(0, +), worth([true, true, true, true]) - worth([false, false, false, false]), accuracy: 1e-12)
        XCTAssertEqual(r.values[0], r.values[1], accuracy: 1e-12)
        XCTAssertEqual(r.values[2], 0, accuracy: 1e-12)
        // Sampled above 16 parties: an additive game's values are each party's own worth.
        let weights = (0..<18).map { Double($0 % 5) }
        let sampled = Shapley.values(parties: 18, samples: 2000) { m in zip(m, weights).reduce(0) { $0 + ($1.0 ? $1.1 : 0) } }
        XCTAssertFalse(sampled.exact)
        for i in 0..<18 { XCTAssertEqual(sampled.values[i], weights[i], accuracy: 1e-9) }
    }

    func testSchemeErrorsNameTheLine() {
        XCTAssertThrowsError(try scheme("[scheme]\nyear = 2024\ncurrancy = \"CNY\"\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:3: unknown key 'scheme.currancy' (did you mean 'currency'?)"), "\(error)")
        }
        XCTAssertThrowsError(try scheme("[scheme]\nyear = 2024\n[[sections]]\nid = \"S\"\nupstream = [\"A\"]\ndownstream = [\"B\"]\ntarget = \"Class IX\"\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:7:"), "\(error)")
            XCTAssertTrue("\(error)".contains("neither a class"), "\(error)")
        }
        XCTAssertThrowsError(try scheme("[scheme]\nyear = 2024\n[[sections]]\nid = \"S\"\nupstream = [\"A\"]\ntarget = 0.1\n")) { error in
            XCTAssertTrue("\(error)".contains("downstream"), "\(error)")
        }
        let overlapping = monthlyScheme.replacingOccurrences(of: "SPLIT", with: "equal") + "\n[[rules]]\ntype = \"monthly_two_way\"\namount = 5\n"
        XCTAssertThrowsError(try scheme(overlapping)) { error in
            XCTAssertTrue("\(error)".contains("overlaps"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:16:"), "\(error)")
        }
        XCTAssertThrowsError(try scheme(monthlyScheme.replacingOccurrences(of: "SPLIT", with: "equal").replacingOccurrences(of: "\"TP\"]", with: "\"Arsenic\"]")))
        XCTAssertEqual(GB3838.parseClass("III类"), 3)
        XCTAssertEqual(try GB3838.limit(Pollutant("TP"), waterClass: 2, body: .lake), 0.025)
        XCTAssertTrue(GB3838.meets(Pollutant("DO"), concentration: 6.5, limit: 6))
        XCTAssertFalse(GB3838.meets(Pollutant("DO"), concentration: 5.5, limit: 6))
    }

    func testTOMLMultiLineArraysCRLFAndOverrides() throws {
        var t = try ConfigFile.parseTOML("# c\r\n[g]\r\nmembers = [\r\n  \"A\",\r\n  \"B\", # two\r\n]\r\nn = 3\r\n", file: "g.toml")
        XCTAssertEqual(try t.table("g")?.strings("members"), ["A", "B"])
        XCTAssertEqual(try t.table("g")?.number("n"), 3)
        XCTAssertEqual(try t.table("g")?.location("n"), "g.toml:7")
        try t.override("g.n=4")
        try t.override("decay.TP=0.05")
        XCTAssertEqual(try t.table("g")?.number("n"), 4)
        XCTAssertEqual(try t.table("decay")?.number("TP"), 0.05)
        XCTAssertThrowsError(try t.override("nonsense"))
        XCTAssertThrowsError(try scheme("[scheme]\nyear = nan\n")) { XCTAssertTrue("\($0)".contains("year")) }
        XCTAssertThrowsError(try scheme("[scheme]\nyear = 2024.5\n")) { XCTAssertTrue("\($0)".contains("whole number")) }
    }

    func testJSONAndTOMLConfigurationsAgree() throws {
        let toml = try ConfigFile.parseTOML("a = 1\nb = true\nc = \"x\"\n[t]\nd = [1.5, 2]\n", file: "c.toml")
        let json = try ConfigFile.parseJSON("{\"a\": 1, \"b\": true, \"c\": \"x\", \"t\": {\"d\": [1.5, 2]}}", file: "c.json")
        XCTAssertEqual(try toml.number("a"), try json.number("a"))
        XCTAssertEqual(try toml.bool("b"), true)
        XCTAssertEqual(try json.bool("b"), true)
        XCTAssertEqual(try json.string("c"), "x")
        XCTAssertEqual(try toml.table("t")?.numbers("d"), try json.table("t")?.numbers("d"))
        XCTAssertThrowsError(try json.string("a")) { XCTAssertTrue("\($0)".contains("must be a string")) }
    }
}
