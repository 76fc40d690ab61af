import Foundation
import XCTest
@testable import Hydro

/// The rule forms of real agreements, each against a ledger computed by hand in whole fen.
final class CompensationFormsTests: XCTestCase {
    private func scheme(_ text: String) throws -> Scheme {
        try Scheme(try ConfigFile.parseTOML(text, file: "scheme.toml"))
    }

    /// Twelve months of CODMn 3, NH3-N 0.3 (Class II) and TP from `tp`, with per-month overrides.
    private func monitoring(_ section: String, tp: (Int) -> Double, nh3n: (Int) -> Double = { _ in 0.3 }) -> MonitoringData {
        var m = MonitoringData()
        for month in 1...12 {
            let key = MonitoringData.Key(section: section, period: String(format: "2024-%02d", month))
            m.concentrations[key] = [Pollutant("CODMn"): 3, Pollutant("NH3-N"): nh3n(month), Pollutant("TP"): tp(month)]
        }
        return m
    }

    private func fen(_ s: Settlement, payer: String? = nil, payee: String? = nil, period: String? = nil) -> Int64 {
        s.entries.filter { (payer == nil || $0.payer == payer) && (payee == nil || $0.payee == payee) && (period == nil || $0.period == period) }
            .reduce(0) { $0 + $1.fen }
    }

    private let thirdsFund = """
    [scheme]
    name = "fund with thirds"
    year = 2024
    [[sections]]
    id = "QSP"
    upstream = ["530000"]
    downstream = ["520000", "510000", "500000"]
    target = "Class II"
    [[rules]]
    type = "pooled_fund"
    total = 200_000_000
    contributions = { "530000" = 1, "520000" = 1, "510000" = 1 }
    allocation = { "530000" = 7, "520000" = 5, "510000" = 4, "500000" = 4 }
    deduction = "DEDUCTION"
    [[rules.failures]]
    section = "QSP"
    weight = 0.3
    deduct_from = "530000"
    give_to = { "520000" = 1, "510000" = 1, "500000" = 1 }
    """

    func testPooledFundDeductsTheFailedShareOfParametersToTheFen() throws {
        // TP fails (annual mean 0.15 > 0.1), CODMn and NH3-N meet Class II: 1 of 3 parameters failed.
        let data = monitoring("QSP", tp: { _ in 0.15 })
        let s = try Settlement.compute(try scheme(thirdsFund.replacingOccurrences(of: "DEDUCTION", with: "failed_share")), monitoring: data, attributed: nil)
        // Contributions 200,000,000 / 3 = 66,666,666.666…: two fen left over go to the two smallest codes.
        XCTAssertEqual(fen(s, payer: "510000", payee: Settlement.fund), 6_666_666_667)
        XCTAssertEqual(fen(s, payer: "520000", payee: Settlement.fund), 6_666_666_667)
        XCTAssertEqual(fen(s, payer: "530000", payee: Settlement.fund), 6_666_666_666)
        // Allocation 7 : 5 : 4 : 4 of 200,000,000.
        XCTAssertEqual(fen(s, payer: Settlement.fund, payee: "530000"), 7_000_000_000)
        XCTAssertEqual(fen(s, payer: Settlement.fund, payee: "520000"), 5_000_000_000)
        XCTAssertEqual(fen(s, payer: Settlement.fund, payee: "500000"), 4_000_000_000)
        XCTAssertEqual(s.fundIntakeFen, 20_000_000_000)
        XCTAssertEqual(s.fundPayoutFen, 20_000_000_000)
        // Deduction 70,000,000 × 0.3 × 1/3 = 7,000,000.00, split three ways: 2,333,333.34 + 2,333,333.33 × 2.
        let deduction = s.entries.filter { $0.section == "QSP" }
        XCTAssertEqual(deduction.map(\.payer), ["530000", "530000", "530000"])
        XCTAssertEqual(deduction.reduce(0) { $0 + $1.fen }, 700_000_000)
        XCTAssertEqual(fen(s, payer: "530000", payee: "500000"), 233_333_334)
        XCTAssertEqual(fen(s, payer: "530000", payee: "510000"), 233_333_333)
        XCTAssertEqual(fen(s, payer: "530000", payee: "520000"), 233_333_333)
        XCTAssertTrue(deduction[0].rule.contains("1/3 parameters failed"), deduction[0].rule)
        // Balances by hand, and they sum to zero.
        let b = s.balanceFen
        XCTAssertEqual(b["500000"], 4_000_000_000 + 233_333_334)
        XCTAssertEqual(b["510000"], -6_666_666_667 + 4_000_000_000 + 233_333_333)
        XCTAssertEqual(b["520000"], -6_666_666_667 + 5_000_000_000 + 233_333_333)
        XCTAssertEqual(b["530000"], -6_666_666_666 + 7_000_000_000 - 700_000_000)
        XCTAssertEqual(b[Settlement.fund], 0)
        XCTAssertEqual(b.values.reduce(0, +), 0)
        // All or nothing: the whole 0.3 × 70,000,000 = 21,000,000 goes, 7,000,000 to each.
        let whole = try Settlement.compute(try scheme(thirdsFund.replacingOccurrences(of: "DEDUCTION", with: "whole")), monitoring: data, attributed: nil)
        XCTAssertEqual(whole.entries.filter { $0.section == "QSP" }.map(\.fen), [700_000_000, 700_000_000, 700_000_000])
        // Two of three failing deduct two thirds: 14,000,000.00, 4,666,666.67 + 4,666,666.67 + 4,666,666.66.
        let two = try Settlement.compute(try scheme(thirdsFund.replacingOccurrences(of: "DEDUCTION", with: "failed_share")),
                                         monitoring: monitoring("QSP", tp: { _ in 0.15 }, nh3n: { _ in 0.6 }), attributed: nil)
        XCTAssertEqual(two.entries.filter { $0.section == "QSP" }.map(\.fen), [466_666_667, 466_666_667, 466_666_666])
        XCTAssertEqual(two.entries.filter { $0.section == "QSP" }.map(\.payee), ["500000", "510000", "520000"])
    }

    func testMonthlyPenaltyOfBaseTimesOnePlusCappedRatioAndBonusInOneRule() throws {
        let text = """
        [scheme]
        year = 2024
        [[sections]]
        id = "S"
        upstream = ["A", "B", "C"]
        downstream = ["D"]
        target = "Class II"
        [[rules]]
        type = "monthly_two_way"
        mode = "base_plus_ratio"
        amount_met = 50_000
        amount_missed = 100_000
        ratio_cap = 1
        split = "equal"
        """
        // Months 1–9 meet Class II. 10: TP 0.10123456, ratio 0.0123456 → 101,234.56. 11: TP 0.35, ratio 2.5
        // capped at 1 → 200,000.00. 12: NH3-N 0.6 and TP 0.12, largest ratio 0.2 → 120,000.00.
        let data = monitoring("S", tp: { [10: 0.10123456, 11: 0.35, 12: 0.12][$0] ?? 0.05 }, nh3n: { $0 == 12 ? 0.6 : 0.3 })
        let s = try Settlement.compute(try scheme(text), monitoring: data, attributed: nil)
        XCTAssertEqual(fen(s, payer: "D", period: "2024-01"), 5_000_000)
        XCTAssertEqual(fen(s, payee: "D", period: "2024-10"), 10_123_456)
        XCTAssertEqual(fen(s, payee: "D", period: "2024-11"), 20_000_000)
        XCTAssertEqual(fen(s, payee: "D", period: "2024-12"), 12_000_000)
        XCTAssertTrue(s.entries.first { $0.period == "2024-11" }?.excess.contains("capped at 1") ?? false)
        // Three ways: 50,000.00 → 16,666.67 + 16,666.67 + 16,666.66; 101,234.56 → 33,744.86 + 33,744.85 × 2;
        // 200,000.00 → 66,666.67 × 2 + 66,666.66; 120,000.00 → 40,000.00 each.
        XCTAssertEqual(s.entries.filter { $0.period == "2024-10" }.map(\.fen), [3_374_486, 3_374_485, 3_374_485])
        XCTAssertEqual(s.entries.filter { $0.period == "2024-01" }.map(\.fen), [1_666_667, 1_666_667, 1_666_666])
        let b = s.balanceFen
        XCTAssertEqual(b["A"], 9 * 1_666_667 - (3_374_486 + 6_666_667 + 4_000_000))
        XCTAssertEqual(b["B"], 9 * 1_666_667 - (3_374_485 + 6_666_667 + 4_000_000))
        XCTAssertEqual(b["C"], 9 * 1_666_666 - (3_374_485 + 6_666_666 + 4_000_000))
        XCTAssertEqual(b["D"], -2_876_544, "−450,000 + 421,234.56")
        XCTAssertEqual(b.values.reduce(0, +), 0)
        // Without a cap the 2.5 ratio counts in full: 100,000 × 3.5.
        let uncapped = try Settlement.compute(try scheme(text.replacingOccurrences(of: "ratio_cap = 1\n", with: "")), monitoring: data, attributed: nil)
        XCTAssertEqual(fen(uncapped, payee: "D", period: "2024-11"), 35_000_000)
        XCTAssertThrowsError(try scheme(text.replacingOccurrences(of: "base_plus_ratio", with: "fixed"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:13:"), "\(error)")
            XCTAssertTrue("\(error)".contains("ratio_cap"), "\(error)")
        }
    }

    private let loadScheme = """
    [scheme]
    year = 2024
    [parties]
    A = "甲县"
    B = "乙县"
    D = "丁市"
    [[sections]]
    id = "L"
    upstream = ["A", "B"]
    downstream = ["D"]
    load_targets = { TP = "10 t/yr" }
    [[sections]]
    id = "M"
    upstream = ["A"]
    downstream = ["D"]
    load_targets = { CODMn = "15000 kg/month" }
    [[rules]]
    type = "load_target"
    unit_price = { TP = 50, CODMn = 2 }
    amount_met = 1000
    split = "SPLIT"
    """

    static let loadMonitoring = (1...12).flatMap { month -> [String] in
        let period = String(format: "2024-%02d", month)
        return ["L,\(period),TP,0.1,10000000", "M,\(period),CODMn,\(month <= 6 ? 2 : 1),10000000"]
    }

    static let externalLoads = "party,section,pollutant,load\nA,L,TP,300\nB,L,TP,100\nbackground,L,TP,100\n"

    private func loadMonitoringData() throws -> MonitoringData {
        let folder = try TestPaths.temporaryFolder(self)
        let file = folder.appendingPathComponent("monitoring.csv").path
        try ("section,period,parameter,concentration,volume_m3\n" + Self.loadMonitoring.joined(separator: "\n") + "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        return try MonitoringData.load(file)
    }

    func testLoadTargetsYearlyAndMonthlyWithTheExcessSplitUpstream() throws {
        let data = try loadMonitoringData()
        let proportional = try scheme(loadScheme.replacingOccurrences(of: "SPLIT", with: "proportional"))
        let loads = try AttributedLoads.parse(try CSVTable.parse(Self.externalLoads, file: "loads.csv"), scheme: proportional)
        XCTAssertEqual(loads.byParty["L"]?[Pollutant("TP")], ["A": 300, "B": 100])
        XCTAssertEqual(loads.background["L"]?[Pollutant("TP")], 100)
        // L: 0.1 mg/L × 10^7 m³ = 1000 kg a month, 12 t a year against 10 t: 2000 kg over at 50/kg = 100,000.00,
        // split by attributed load among the upstream parties, A 300 : B 100 → 75,000.00 and 25,000.00.
        let s = try Settlement.compute(proportional, monitoring: data, attributed: loads)
        let yearly = s.entries.filter { $0.section == "L" }
        XCTAssertEqual(yearly.map(\.period), ["2024", "2024"])
        XCTAssertEqual(yearly.map(\.payer), ["A", "B"])
        XCTAssertEqual(yearly.map(\.fen), [7_500_000, 2_500_000])
        XCTAssertTrue(yearly[0].shares.contains("TP 1500 kg"), yearly[0].shares)
        XCTAssertTrue(yearly[0].measured.contains("TP 12000 kg"), yearly[0].measured)
        // M: 2 mg/L × 10^7 m³ = 20,000 kg in months 1–6, 5,000 kg over at 2/kg = 10,000.00 a month; 1 mg/L
        // in months 7–12 meets 15,000 kg and earns A the 1,000.00 bonus from D.
        XCTAssertEqual(fen(s, payer: "A", payee: "D", period: "2024-03"), 1_000_000)
        XCTAssertEqual(fen(s, payer: "D", payee: "A", period: "2024-09"), 100_000)
        XCTAssertEqual(s.entries.filter { $0.section == "M" }.count, 12)
        XCTAssertEqual(s.balanceFen["A"], -7_500_000 - 6 * 1_000_000 + 6 * 100_000)
        XCTAssertEqual(s.balanceFen["B"], -2_500_000)
        XCTAssertEqual(s.balanceFen["D"], 15_400_000)
        XCTAssertTrue(s.gaps.isEmpty, "\(s.gaps)")
        // Shapley on the excess: A's part (12000 × 3/5 = 7200 kg) and B's (2400 kg) each stay under 10 t with the
        // 2400 kg background; only together do they exceed, so they share the 2000 kg equally: 50,000.00 each.
        let shapley = try Settlement.compute(try scheme(loadScheme.replacingOccurrences(of: "SPLIT", with: "shapley")), monitoring: data, attributed: loads)
        XCTAssertEqual(shapley.entries.filter { $0.section == "L" }.map(\.fen), [5_000_000, 5_000_000])
        // A missing month leaves the yearly load unassessed, with a gap.
        var gappy = data
        gappy.volumes[MonitoringData.Key(section: "L", period: "2024-05")] = nil
        let partial = try Settlement.compute(proportional, monitoring: gappy, attributed: loads)
        XCTAssertTrue(partial.entries.allSatisfy { $0.section != "L" })
        XCTAssertEqual(partial.gaps, ["L 2024: no concentration or volume for TP 2024-05, so the load is not assessed"])
    }

    func testLoadTargetAndAttributedLoadErrorsNameTheLine() throws {
        let good = loadScheme.replacingOccurrences(of: "SPLIT", with: "equal")
        XCTAssertThrowsError(try scheme(good.replacingOccurrences(of: "\"10 t/yr\"", with: "10"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:11:"), "\(error)")
            XCTAssertTrue("\(error)".contains("t/yr"), "\(error)")
        }
        XCTAssertThrowsError(try scheme(good.replacingOccurrences(of: "\"10 t/yr\"", with: "\"10 t/day\"")))
        XCTAssertThrowsError(try scheme(good.replacingOccurrences(of: ", CODMn = 2", with: ""))) { error in
            XCTAssertTrue("\(error)".contains("no price for CODMn"), "\(error)")
        }
        // A concentration rule on a section with load targets only is refused.
        XCTAssertThrowsError(try scheme(good + "\n[[rules]]\ntype = \"monthly_two_way\"\nsections = [\"L\"]\namount = 5\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:24:"), "\(error)")
            XCTAssertTrue("\(error)".contains("load targets only"), "\(error)")
        }
        let s = try scheme(good)
        for (csv, message) in [("party,section,pollutant,load\nA,L,TP,1\nZ,L,TP,2\n", "loads.csv:3: party 'Z' is not named in the scheme"),
                               ("party,section,pollutant,load\nA,X,TP,1\n", "loads.csv:2: section 'X' is not defined"),
                               ("party,section,pollutant,load\nA,L,TP,1\nA,L,TP,2\n", "loads.csv:3: A TP at L is given twice"),
                               ("party,section,pollutant,load\nA,L,TP,-1\n", "loads.csv:2: load must be a non-negative number"),
                               ("party,section,pollutant,load\nA,L,Arsenic,1\n", "loads.csv:2"),
                               ("party,section,pollutant\nA,L,TP\n", "loads.csv: has no column 'load'")] {
            XCTAssertThrowsError(try AttributedLoads.parse(try CSVTable.parse(csv, file: "loads.csv"), scheme: s)) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(error)")
            }
        }
        // t/yr in a unit column.
        let tonnes = try AttributedLoads.parse(try CSVTable.parse("party,section,pollutant,load,unit\nA,L,TP,0.5,t/yr\n", file: "l.csv"), scheme: s)
        XCTAssertEqual(tonnes.byParty["L"]?[Pollutant("TP")], ["A": 500, "B": 0])
    }

    func testEveryLedgerPartyHasANameOrTheSchemeLineIsNamed() throws {
        let s = try scheme(loadScheme.replacingOccurrences(of: "SPLIT", with: "equal"))
        let settlement = try Settlement.compute(s, monitoring: try loadMonitoringData(), attributed: nil)
        let names = try PartyNames.resolve(settlement, scheme: s, jurisdictions: ["D": "丁州 (layer)"])
        XCTAssertEqual(names, ["A": "甲县", "B": "乙县", "D": "丁州 (layer)"], "the jurisdiction layer first, then [parties]")
        let unnamed = try scheme(loadScheme.replacingOccurrences(of: "SPLIT", with: "equal").replacingOccurrences(of: "B = \"乙县\"\n", with: ""))
        let unpaid = try Settlement.compute(unnamed, monitoring: try loadMonitoringData(), attributed: nil)
        XCTAssertThrowsError(try PartyNames.resolve(unpaid, scheme: unnamed, jurisdictions: [:])) { error in
            XCTAssertTrue("\(error)".hasPrefix("scheme.toml:8: party 'B'"), "\(error)")
        }
    }
}
