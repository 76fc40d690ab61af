import Foundation
import XCTest
@testable import Hydro

/// The report's settlement summary, share tables, flux summary, numbers and colours.
final class ReportSectionsTests: XCTestCase {
    func testNumbersArePlainDecimalsWithSeparators() {
        XCTAssertEqual(ReportNumber.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(ReportNumber.grouped(-1500), "-1,500")
        XCTAssertEqual(ReportNumber.grouped(999), "999")
        XCTAssertEqual(ReportNumber.whole(2_000_000.4), "2,000,000")
        XCTAssertEqual(ReportNumber.whole(-2_500.5), "-2,501")
        XCTAssertEqual(ReportNumber.whole(-0.3), "0")
        XCTAssertEqual(ReportNumber.plain(4.657e-10), "0")
        XCTAssertEqual(ReportNumber.plain(0.012345), "0.0123")
        XCTAssertEqual(ReportNumber.plain(12.345), "12.35")
        XCTAssertEqual(ReportNumber.plain(123.45), "123.5")
        XCTAssertEqual(ReportNumber.plain(35_600_000), "35,600,000")
        XCTAssertEqual(ReportNumber.fixed(-0.001, decimals: 2), "0.00")
        XCTAssertEqual(ReportNumber.fixed(12345.678, decimals: 2), "12,345.68")
        XCTAssertEqual(ReportNumber.percent(0.2291), "22.9 %")
        for v in [1e-7, 3.3e-5, 0.5, 7.0, 1e12] { XCTAssertFalse(ReportNumber.plain(v).contains("e"), "\(v)") }
        XCTAssertEqual(ReportNumber.short(5), "5")
        XCTAssertEqual(ReportNumber.short(402.5), "402.5")
        // The ledger's rule texts: never scientific notation.
        XCTAssertEqual(fmtShort(24370.4), "24370")
        XCTAssertEqual(fmtShort(123.456), "123.5")
        XCTAssertEqual(fmtShort(-2.5), "-2.5")
        XCTAssertEqual(fmtShort(1.5e-5), "0.000015")
        XCTAssertEqual(fmtShort(0.1234), "0.1234")
        XCTAssertEqual(fmtShort(300_000), "300000")
    }

    func testPaletteGivesEveryPartyOfABarItsOwnLook() {
        // 40 parties in one bar, and two bars sharing some parties.
        let many = (0..<40).map { "county \($0)" }
        let groups = [many, ["county 3", "county 39", "other"], ["x", "y"]]
        let swatches = Palette.assign(groups)
        for group in groups {
            XCTAssertEqual(Set(group.compactMap { swatches[$0] }).count, group.count, "distinct within \(group.prefix(3))")
        }
        // The same party keeps its look everywhere, and the assignment is deterministic.
        XCTAssertEqual(Palette.assign(groups), swatches)
        // The first colours are the colour-blind-safe Okabe–Ito set, none repeated.
        XCTAssertEqual(Set(Palette.colours).count, Palette.colours.count)
        XCTAssertEqual(Array(Palette.colours.prefix(3)), ["#0072B2", "#E69F00", "#009E73"])
    }

    func testPartyDirectoryPutsNamesBesideCodes() throws {
        let geometry = GridGeometry.metric(width: 2, height: 1)
        let map = try JurisdictionMap(level: .county, units: [.init(id: "520381", name: "赤水市"), .init(id: "510525", name: "古蔺县")],
                                  labels: [0, 1], geometry: geometry)
        let directory = PartyDirectory(map: map)
        XCTAssertEqual(directory.label("520381"), "赤水市 520381")
        XCTAssertEqual(directory.name("520000"), "贵州省")
        XCTAssertEqual(directory.label("fund"), PartyNames.fundName)
        XCTAssertEqual(directory.label("999999"), "999999")
        XCTAssertEqual(directory.annotate("520381 0.4; 510525 0.6"), "520381 (赤水市) 0.4; 510525 (古蔺县) 0.6")
        XCTAssertEqual(directory.annotate("pooled_fund contribution 520000:5 510000:4 (scheme.toml:3)"),
                       "pooled_fund contribution 520000 (贵州省):5 510000 (四川省):4 (scheme.toml:3)")
    }

    private func entry(_ payer: String, _ payee: String, _ amount: Double) -> LedgerEntry {
        LedgerEntry(period: "2024-01", section: "S1", payer: payer, payee: payee, fen: Int64((amount * 100).rounded()), rule: "r", measured: "", target: "", excess: "", shares: "")
    }

    func testBalanceTableAndPayerPayeeMatrixAddUp() throws {
        let entries = [entry("A", "B", 100.4), entry("A", "B", 200.2), entry("B", "C", 50), entry("C", "A", 10.6), entry("A", "fund", 1000)]
        let totals = Settlement.partyTotals(entries)
        XCTAssertEqual(totals.map(\.party), ["A", "B", "C", "fund"])
        // A paid 100.4 + 200.2 + 1000 and received 10.6.
        XCTAssertEqual(totals[0].paid, 1300.6, accuracy: 1e-9)
        XCTAssertEqual(totals[0].net, -1290, accuracy: 1e-9)
        XCTAssertEqual(totals.map(\.net).reduce(0, +), 0, accuracy: 1e-9)
        let directory = PartyDirectory(names: ["A": "甲", "B": "乙", "C": "丙"])
        let table = SettlementSummary.balanceTable(totals, directory: directory, currency: "CNY")
        let rows = HTMLTable.rows(table)
        XCTAssertEqual(rows.first, ["名称 Party", "代码 Code", "支付 Paid (CNY)", "收到 Received (CNY)", "净额 Net (CNY)", ""])
        // Receivers first: the fund (+1,000), B (+250.6 → 251), C (+39.4 → 39), A (-1,290).
        XCTAssertEqual(rows.dropFirst().map { $0[1] }, ["fund", "B", "C", "A"])
        XCTAssertEqual(rows[4], ["甲", "A", "1,301", "11", "-1,290", "付 pays"])
        let matrix = HTMLTable.rows(SettlementSummary.matrix(entries, directory: directory, currency: "CNY"))
        XCTAssertEqual(matrix[0], ["支付方 ↓ Payer / 收款方 → Payee", "甲 A", "乙 B", "丙 C", PartyNames.fundName, "合计 Total paid"])
        XCTAssertEqual(matrix[1], ["甲 A", "", "301", "", "1,000", "1,301"])
        XCTAssertEqual(matrix[3], ["丙 C", "11", "", "", "", "11"])
        XCTAssertEqual(matrix.last, ["合计 Total received", "11", "301", "50", "1,000", "1,361"])
        // The checks line shows money to the fen, never floating-point noise.
        let checks = SettlementSummary.checks(totalPaid: 1361.2, fundIntake: 1000, fundPayout: 1000, balancesSum: 4.657e-10, currency: "CNY")
        XCTAssertTrue(checks.contains("balances sum to 0.00"), checks)
        XCTAssertTrue(checks.contains("1,361.20"), checks)
    }

    func testLedgerDetailsUnpackOneValuePerRow() {
        let e = LedgerEntry(period: "2024-05", section: "S2", payer: "530627", payee: "510525", fen: 1250, rule: "r",
                            measured: "CODMn 3.501; NH3-N 0.459; TP 0.108", target: "CODMn Class II", excess: "TP +8%",
                            shares: "530627 0.5; 520502 0.5")
        let rows = SettlementTables.detailRows([e, entry("A", "B", 1)], directory: PartyDirectory(names: ["530627": "镇雄县"]))
        XCTAssertEqual(rows.map { $0[5] }, ["measured", "measured", "measured", "share", "share"])
        XCTAssertEqual(rows[1], ["1", "2024-05", "S2", "530627", "510525", "measured", "NH3-N", "NH3-N", "0.459", "mg/L"])
        XCTAssertEqual(rows[3], ["1", "2024-05", "S2", "530627", "510525", "share", "530627", "镇雄县", "0.5", "fraction"])
        XCTAssertEqual(rows[4][7], "520502", "a party without a name keeps its code")
    }

    func testShareTablesPivotCoarseLevelsAndListFineOnes() {
        func shares(_ level: String, _ section: String, _ p: String, _ origins: [(String, Double)]) -> SectionShares {
            SectionShares(level: level, sectionID: section, sectionName: "断面 \(section)", pollutant: p,
                          origins: origins.map { .init(id: $0.0, name: "n\($0.0)", kgPerYear: $0.1) }, incomplete: section == "B")
        }
        let entries = [shares("province", "A", "TP", [("530000", 802), ("520000", 151), ("510000", 47)]),
                       shares("province", "B", "TP", [("520000", 500), ("510000", 500)])]
        let rows = HTMLTable.rows(ShareTables.html(entries, level: "province"))
        // Columns by summed share: 530000 (0.802), 520000 (0.151 + 0.5), 510000 (0.047 + 0.5).
        XCTAssertEqual(rows[0], ["断面 Section", "污染物 Pollutant", "负荷 Load (t/yr)", "n530000 530000", "n520000 520000", "n510000 510000"])
        XCTAssertEqual(rows[1], ["断面 A A", "TP", "1.00", "80.2 %", "15.1 %", "4.7 %"])
        XCTAssertEqual(rows[2], ["断面 B B *", "TP", "1.00", "0.0 %", "50.0 %", "50.0 %"])
        // More units than columns allow: one table per section, a row per unit.
        let counties = (0..<12).map { (String(format: "5203%02d", $0), Double($0 + 1)) }
        let fine = HTMLTable.rows(ShareTables.html([shares("county", "A", "TP", counties)], level: "county"))
        XCTAssertEqual(fine.count, 13)
        XCTAssertEqual(fine[1], ["n520311", "520311", String(format: "%.1f %%", 12.0 / 78 * 100)])
    }

    /// A river that zigzags along a border: A → B → A → B. Gross flux counts the load at each
    /// crossing; net flux counts it once.
    func testGrossFluxCountsRecrossingsAndNetCountsOnce() throws {
        let geometry = GridGeometry.metric(width: 5, height: 1, cellSize: 1000)
        let d = try FlowDirections(geometry: geometry, codes: [UInt8](repeating: 0, count: 5))
        let graph = try FlowGraph(directions: d)
        let tp = Pollutant("TP")
        let model = try LoadModel(graph: graph, isChannel: [Bool](repeating: true, count: 5),
                                  parameters: TransportParameters(decayPerDay: [tp: 0], velocity: .constant(1)))
        var sources = LoadSources(pollutants: [tp], cellCount: 5)
        sources.add(tp, cell: 0, kgPerYear: 100)
        let map = try JurisdictionMap(level: .county, units: [.init(id: "A", name: "甲"), .init(id: "B", name: "乙")],
                                  labels: [0, 1, 0, 1, 1], geometry: geometry)
        let routed = try LoadRouting.route(sources, model: model)
        let (crossings, results) = try LoadAttribution.attribute(routed, sources: sources, model: model, map: map, sectionCells: [4])
        XCTAssertEqual(crossings.map { [$0.from, $0.to] }, [[0, 1], [1, 0], [0, 1]])
        let ids = ["A", "B", "outside"], names = ["甲", "乙", "outside (unknown)"]
        // Flux edges from the attribution's flux matrix (as flux.csv has them) and from the crossings alone.
        var edges: [FluxEdge] = []
        for u in 0..<3 { for v in 0..<3 where results[0].flux[u][v] > 0 {
            edges.append(FluxEdge(level: "county", fromID: ids[u], fromName: names[u], toID: ids[v], toName: names[v], pollutant: "TP", kgPerYear: results[0].flux[u][v]))
        } }
        let fromCrossings = FluxSummary.streamEdges(crossings: crossings, attribution: results[0], level: "county", ids: ids, names: names)
        for (a, b) in [(edges, fromCrossings)] {
            let pa = FluxSummary.pairs(a), pb = FluxSummary.pairs(b)
            XCTAssertEqual(pa.count, 1)
            XCTAssertEqual(pa[0].upstream.id, "A")
            XCTAssertEqual(pa[0].grossForward, 200, accuracy: 1e-9, "A→B counted at both crossings")
            XCTAssertEqual(pa[0].grossBack, 100, accuracy: 1e-9)
            XCTAssertEqual(pa[0].net, 100, accuracy: 1e-9, "the 100 kg/yr counted once")
            XCTAssertTrue(pa[0].recrosses)
            XCTAssertEqual(pb[0].grossForward, pa[0].grossForward, accuracy: 1e-9)
            XCTAssertEqual(pb[0].grossBack, pa[0].grossBack, accuracy: 1e-9)
        }
        // The net flux equals what reaches the section, all of it from A.
        XCTAssertEqual(results[0].sections[0].byOrigin[0], 100, accuracy: 1e-9)
        let table = HTMLTable.rows(FluxSummary.table(FluxSummary.pairs(edges)))
        XCTAssertEqual(table[1], ["甲 A", "乙 B", "TP", "100.0", "200.0", "100.0", "是 yes"])
    }
}

/// Reads the cells of the first table in an HTML fragment written by `HTML.table`.
enum HTMLTable {
    static func rows(_ html: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: "<t[dh][^>]*>(.*?)</t[dh]>", options: [.dotMatchesLineSeparators]) else { return [] }
        var rows: [[String]] = []
        for chunk in html.components(separatedBy: "<tr>").dropFirst() {
            let row = chunk.components(separatedBy: "</tr>")[0]
            let ns = row as NSString
            let cells = regex.matches(in: row, range: NSRange(location: 0, length: ns.length)).map { m -> String in
                ns.substring(with: m.range(at: 1)).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            }
            rows.append(cells)
        }
        return rows
    }
}
