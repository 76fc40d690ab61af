import Foundation

/// The settlement summary at the top of the report: who pays whom, in whole yuan.
public enum SettlementSummary {
    /// Each party's net balance, receivers first, as a table with names and codes.
    /// With `intervals`, the net balance's bootstrap interval follows the net.
    public static func balanceTable(_ totals: [Settlement.PartyTotal], directory: PartyDirectory, currency: String,
                                    intervals: LedgerIntervals? = nil) -> String {
        let rows = totals.sorted { ($0.net, $1.party) > ($1.net, $0.party) }.map { t -> [String] in
            var row = [directory.name(t.party), t.party, ReportNumber.whole(t.paid), ReportNumber.whole(t.received), ReportNumber.whole(t.net)]
            if let intervals {
                row.append(intervals.balances[t.party].map { "\(ReportNumber.whole(Money.yuan($0.lowerFen))) – \(ReportNumber.whole(Money.yuan($0.upperFen)))" } ?? "")
            }
            return row + [t.net > 0.005 ? "收 receives" : t.net < -0.005 ? "付 pays" : "—"]
        }
        var header = ["名称 Party", "代码 Code", "支付 Paid (\(currency))", "收到 Received (\(currency))", "净额 Net (\(currency))"]
        if let intervals { header.append("净额区间 Net, \(intervals.percentText) % interval") }
        return HTML.table(header + [""], rows, numericFrom: 2, tableClass: "balances")
    }

    /// The payer × payee matrix: one row per payer, one column per payee, the sum of every
    /// transfer between them, with row and column totals.
    public static func matrix(_ entries: [LedgerEntry], directory: PartyDirectory, currency: String) -> String {
        var cell: [String: [String: Double]] = [:]
        for e in entries { cell[e.payer, default: [:]][e.payee, default: 0] += e.amount }
        let payers = Set(entries.map(\.payer)).sorted()
        let payees = Set(entries.map(\.payee)).sorted()
        guard !payers.isEmpty else { return "<p>No transfers. 无转移支付。</p>" }
        var header = ["支付方 ↓ Payer / 收款方 → Payee"] + payees.map(directory.label)
        header.append("合计 Total paid")
        var rows: [[String]] = []
        for payer in payers {
            let line = cell[payer] ?? [:]
            rows.append([directory.label(payer)] + payees.map { line[$0].map(ReportNumber.whole) ?? "" }
                        + [ReportNumber.whole(line.orderedSum)])
        }
        let columnTotals = payees.map { payee in payers.map { cell[$0]?[payee] ?? 0 }.reduce(0, +) }
        rows.append(["合计 Total received"] + columnTotals.map(ReportNumber.whole) + [ReportNumber.whole(entries.map(\.amount).reduce(0, +))])
        return HTML.table(header, rows, numericFrom: 1, tableClass: "matrix") + "<p class=\"note\">\(HTML.escape(currency)), \(ReportNumber.grouped(Int64(entries.count))) transfers summed per pair.</p>"
    }

    /// The checks line: money paid equals money received; the fund pays out what it takes in;
    /// balances sum to zero, shown to the fen (no floating-point noise such as 4.657e-10).
    public static func checks(totalPaid: Double, fundIntake: Double, fundPayout: Double, balancesSum: Double, currency: String) -> String {
        func fen(_ v: Double) -> String { ReportNumber.fixed((v * 100).rounded() / 100, decimals: 2) }
        return "<p class=\"checks\">核对 Checks (\(HTML.escape(currency))): paid = received = \(fen(totalPaid)); fund intake \(fen(fundIntake)) = payout \(fen(fundPayout)); balances sum to \(fen(balancesSum)).</p>"
    }
}
