import Foundation

/// Everything the report shows, as plain values: the report step fills it from the run's results
/// and `html(map:)` lays it out. Who pays whom comes first, then where the load comes from, then
/// the maps, the budgets and flux, the full ledger and the manifest.
struct ReportContent {
    struct SettlementPart {
        var entries: [LedgerEntry]
        var gaps: [String]
        var currency: String
        var year: Int
        var totals: [Settlement.PartyTotal]
        var totalPaid: Double
        var fundIntake: Double
        var fundPayout: Double
        var balancesSum: Double
        var intervals: LedgerIntervals?

        init(_ s: Settlement, year: Int, intervals: LedgerIntervals? = nil) {
            self.intervals = intervals.flatMap { $0.entries.count == s.entries.count ? $0 : nil }
            entries = s.entries
            gaps = s.gaps
            currency = s.currency
            self.year = year
            totals = s.partyTotals
            totalPaid = s.totalPaid
            fundIntake = s.fundIntake
            fundPayout = s.fundPayout
            balancesSum = s.balances.orderedSum
        }
    }

    var title: String
    var versions: String
    var levels: [String]
    var sections: [PlacedPoint]
    var budgets: [BudgetSummary]
    var shares: [SectionShares]
    var flux: [FluxEdge]
    var settlement: SettlementPart?
    var directory: PartyDirectory
    var inputs: [(file: String, sha256: String)]
    var steps: [String]
    var warnings: [String]
    /// The calibration record, when the project was calibrated.
    var calibration: CalibrationRecord? = nil

    var shareIntervals: ShareIntervals? { ShareIntervals(calibration) }

    static let levelNames = ["county": "区县 County", "prefecture": "市州 Prefecture", "province": "省 Province"]

    /// The levels from the coarsest (province) to the finest (county), whatever order the project gives.
    var coarseFirst: [String] {
        let rank = ["province": 0, "prefecture": 1, "county": 2]
        return levels.enumerated().sorted { (rank[$0.element] ?? 3, $0.offset) < (rank[$1.element] ?? 3, $1.offset) }.map(\.element)
    }

    /// The finest level given.
    var finest: String? { coarseFirst.last }

    func html(map: MapRenderer?) throws -> String {
        var body = ""
        body += "<h1>\(HTML.escape(title))<small>流域污染负荷溯源与生态补偿报告 · Pollution-load attribution and compensation report</small></h1>\n"
        body += "<p class=\"meta\">\(HTML.escape(versions))</p>\n"
        body += "<nav><a href=\"#summary\">结算摘要 Summary</a> · <a href=\"#shares\">来源分担 Shares</a> · <a href=\"#map\">地图 Map</a> · <a href=\"#budget\">负荷平衡 Mass budget</a> · <a href=\"#flux\">跨界通量 Flux</a> · <a href=\"#ledger\">结算明细 Ledger</a> · \(calibration == nil ? "" : "<a href=\"#calibration\">模型率定 Calibration</a> · ")<a href=\"#manifest\">数据清单 Manifest</a></nav>\n"
        body += summarySection()
        body += sharesSection()
        body += try mapSection(map)
        body += budgetSection()
        body += fluxSection(map)
        body += ledgerSection()
        if let calibration { body += CalibrationReport.html(calibration) }
        body += manifestSection()
        return HTML.document(title: "\(title) – hydrotool report", body: body)
    }

    // MARK: sections

    func summarySection() -> String {
        var s = "<section id=\"summary\" class=\"first summary\"><h2>结算摘要 Settlement summary</h2>\n"
        guard let st = settlement else {
            return s + "<p>No scheme or monitoring data: no settlement. 未提供补偿方案或监测数据。</p></section>\n"
        }
        let payers = st.totals.filter { $0.net < -0.005 }.sorted { $0.net < $1.net }
        let receivers = st.totals.filter { $0.net > 0.005 }.sorted { $0.net > $1.net }
        func list(_ t: [Settlement.PartyTotal]) -> String {
            t.map { "\(HTML.escape(directory.label($0.party))) \(ReportNumber.whole(abs($0.net)))" }.joined(separator: "; ")
        }
        s += "<p><b>\(st.year)</b>: \(ReportNumber.grouped(Int64(st.entries.count))) transfers, \(ReportNumber.whole(st.totalPaid)) \(HTML.escape(st.currency)) in all. "
        if !payers.isEmpty { s += "<b>净支付 Net payers</b>: \(list(payers)). " }
        if !receivers.isEmpty { s += "<b>净收入 Net receivers</b>: \(list(receivers))." }
        s += "</p>\n"
        s += HTML.keep("<h3>净收支 Net balance by party (\(HTML.escape(st.currency)), whole yuan)</h3>",
                       SettlementSummary.balanceTable(st.totals, directory: directory, currency: st.currency, intervals: st.intervals))
        let ordered = st.totals.sorted { ($0.net, $1.party) > ($1.net, $0.party) }
        let bars = ordered.map { (directory.label($0.party), $0.net) }
        let whiskers = ordered.map { t in st.intervals?.balances[t.party].map { (Money.yuan($0.lowerFen), Money.yuan($0.upperFen)) } }
        let caption = st.intervals.map { "<figcaption>须线 whiskers: the net balance's \($0.percentText) % interval over the bootstrap draws.</figcaption>" } ?? ""
        s += HTML.keep("<h3>净收支图 Net balances</h3>", "<figure class=\"scroll wide\">" + HTML.balanceBars(bars, currency: st.currency, intervals: whiskers) + caption + "</figure>")
        s += HTML.keep("<h3>谁付给谁 Who pays whom (payer × payee, \(HTML.escape(st.currency)))</h3>",
                       SettlementSummary.matrix(st.entries, directory: directory, currency: st.currency))
        s += SettlementSummary.checks(totalPaid: st.totalPaid, fundIntake: st.fundIntake, fundPayout: st.fundPayout,
                                      balancesSum: st.balancesSum, currency: st.currency)
        return s + "</section>\n"
    }

    func sharesSection() -> String {
        var s = "<section id=\"shares\"><h2>来源分担 Shares of the load leaving each section, by where it was generated</h2>\n"
        guard !shares.isEmpty else { return s + "<p>No jurisdictions given: no attribution. 未提供行政区划。</p></section>\n" }
        for level in coarseFirst {
            let tables = ShareTables.html(shares, level: level, intervals: shareIntervals)
            guard !tables.isEmpty else { continue }
            s += HTML.keep("<h3>\(Self.levelNames[level] ?? level)</h3>", tables)
        }
        s += errorBars()
        // Bars: one look per origin throughout, distinct within every bar.
        let groups = shares.map { $0.origins.filter { $0.kgPerYear > 0 }.map(\.name) }
        let swatches = Palette.assign(groups)
        s += "<details><summary>分担条形图 Shares as bars</summary>\n"
        for level in coarseFirst {
            let entries = shares.filter { $0.level == level }
            guard !entries.isEmpty else { continue }
            s += "<h3>\(Self.levelNames[level] ?? level)</h3>\n"
            for (k, entry) in entries.enumerated() {
                let total = entry.totalKgPerYear
                let parts = entry.origins.map { (label: $0.name, share: total > 0 ? $0.kgPerYear / total : 0) }.sorted { ($0.share, $1.label) > ($1.share, $0.label) }
                let heading = "<h4>\(HTML.escape(entry.sectionName)) (\(HTML.escape(entry.sectionID))) · \(HTML.escape(entry.pollutant)) · \(ReportNumber.tonnes(total)) t/yr\(entry.incomplete ? " · <em>上游触及DEM边界或无数据区 upstream area touches the DEM edge or nodata</em>" : "")</h4>"
                s += HTML.keep(heading, HTML.stackedBar(parts, id: "b\(level.prefix(2))\(k)") { swatches[$0] ?? Palette.Swatch(colour: "#999999", pattern: 0) })
            }
        }
        return s + "</details></section>\n"
    }

    func mapSection(_ map: MapRenderer?) throws -> String {
        var s = "<section id=\"map\"><h2>流域图 Basin map</h2>\n"
        if let map {
            for p in budgets.isEmpty ? [""] : budgets.map(\.pollutant) {
                let caption = p.isEmpty ? "河流线宽按集水面积 streams by upstream area" : "\(HTML.escape(p)): 河流线宽与颜色按负荷 streams by the load they carry"
                s += HTML.keep("", "<figure>" + (try map.svg(pollutant: p.isEmpty ? nil : p)) + "<figcaption>\(caption)</figcaption></figure>")
            }
        }
        let rows = sections.map { sec in
            [sec.id, sec.name, sec.upstreamArea.isNaN ? "–" : ReportNumber.plain(sec.upstreamArea),
             sec.snapDistance.isNaN ? "–" : ReportNumber.plain(sec.snapDistance), sec.warnings.joined(separator: "; ")]
        }
        if !rows.isEmpty {
            s += HTML.keep("<h3>断面 Sections</h3>", HTML.table(["编号 ID", "名称 Name", "集水面积 Upstream area (km²)", "移动 Snapped (m)", "提示 Warnings"], rows, numericFrom: 2))
        }
        return s + "</section>\n"
    }

    func budgetSection() -> String {
        let rows = budgets.map { b in
            [b.pollutant] + [b.generated, b.delivered, b.lostOnLand, b.lostInStreams, b.lostInReservoirs]
                .map(ReportNumber.tonnes) + [ReportNumber.fixed(b.imbalance, decimals: 3)]
        }
        return "<section id=\"budget\">" + HTML.keep("<h2>负荷平衡 Mass budget (t/yr; imbalance in kg/yr)</h2>",
            HTML.table(["污染物 Pollutant", "产生 Generated", "输出 Delivered", "陆面截留 Lost on land", "河道衰减 Lost in streams",
                        "水库截留 Lost in reservoirs", "不平衡 Imbalance (kg/yr)"], rows, numericFrom: 1)) + "</section>\n"
    }

    func fluxSection(_ map: MapRenderer?) -> String {
        var s = "<section id=\"flux\"><h2>跨界通量 Flux between jurisdictions</h2>\n"
        guard !flux.isEmpty else { return s + "<p>No flux table. 无通量表。</p></section>\n" }
        // The graph at the finest level, for the first pollutant, then the tables from the coarsest level down.
        if let map, let finest {
            let pairs = FluxSummary.pairs(flux.filter { $0.level == finest })
            if let pollutant = budgets.map(\.pollutant).first(where: { p in pairs.contains { $0.pollutant == p } }) {
                s += HTML.keep("<h3>\(HTML.escape(pollutant)) · \(Self.levelNames[finest] ?? finest): 净通量 net flux</h3>",
                               "<figure>" + map.fluxDiagram(pairs: pairs, pollutant: pollutant)
                                   + "<figcaption>箭头方向与宽度按净通量 arrows in the direction of the net flux, width by its size; labels in t/yr. Other pollutants and levels: tables below.</figcaption></figure>")
            }
        }
        for (k, level) in coarseFirst.enumerated() {
            let pairs = FluxSummary.pairs(flux.filter { $0.level == level })
            guard !pairs.isEmpty else { continue }
            s += HTML.keep("<h3>\(Self.levelNames[level] ?? level): 净通量与毛通量 net and gross flux (kg/yr)</h3>", FluxSummary.table(pairs, withNote: k == 0))
        }
        return s + "</section>\n"
    }

    func ledgerSection() -> String {
        var s = "<section id=\"ledger\"><h2>结算明细 Settlement ledger</h2>\n"
        guard let st = settlement else { return s + "<p>No settlement. 无结算。</p></section>\n" }
        var rows = st.entries.map { e in
            [e.period, e.section, directory.label(e.payer), directory.label(e.payee), Money.grouped(e.fen), directory.annotate(e.rule),
             e.measured, e.target, e.excess, directory.annotate(e.shares)]
        }
        var header = ["期间 Period", "断面 Section", "支付方 Payer", "收款方 Payee", "金额 Amount", "规则 Rule", "实测 Measured (mg/L)", "目标 Target", "超标 Excess", "分担 Shares"]
        var numeric: Set<Int> = [4]
        if let intervals = st.intervals {
            // The interval beside the amount, so a reader sees both at once.
            header.insert("区间 \(intervals.percentText) % interval", at: 5)
            numeric = [4, 5]
            for (k, b) in intervals.entries.enumerated() {
                // "—" where every draw settles the same amount, so the amounts that do vary stand out.
                rows[k].insert(b.lowerFen == b.upperFen && b.lowerFen == st.entries[k].fen ? "—" : Self.range(b), at: 5)
                if let note = b.note { rows[k][rows[k].count - 1] += " · " + note }
            }
        }
        s += "<details><summary>明细 Ledger (\(st.entries.count) transfers, \(HTML.escape(st.currency)))</summary>"
        s += HTML.table(header, rows, numeric: numeric, tableClass: st.intervals == nil ? "ledger" : "ledger intervals") + "</details>"
        if let intervals = st.intervals {
            s += "<p class=\"note\">Interval: the \(intervals.percentText) % interval of each amount over \(intervals.draws) settlements, one per bootstrap draw of the attributed loads; — marks an amount that is the same in every draw (it does not depend on attributed loads, or not enough to move it; ledger.csv gives its bounds, equal to it).</p>"
        }
        if !st.gaps.isEmpty {
            s += "<h3>缺测 Missing monitoring (\(st.gaps.count))</h3><ul>" + st.gaps.prefix(50).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        }
        return s + "</section>\n"
    }

    /// "1,000.00 – 1,500.00": an amount's interval to the fen.
    static func range(_ b: LedgerIntervals.Bounds) -> String { "\(Money.grouped(b.lowerFen)) – \(Money.grouped(b.upperFen))" }

    /// Error bars per section at the coarsest level with intervals: the section's load and each
    /// origin's load and share, per pollutant.
    func errorBars() -> String {
        guard let intervals = shareIntervals, let level = coarseFirst.first(where: intervals.has(level:)) else { return "" }
        var s = "<h3>不确定性 Loads and shares with their \(intervals.percentText) % intervals (\(Self.levelNames[level] ?? level))</h3>\n"
        var order: [String] = []
        for e in shares where e.level == level && !order.contains(e.sectionID) { order.append(e.sectionID) }
        for section in order {
            let here = shares.filter { $0.level == level && $0.sectionID == section }
            var blocks: [(pollutant: String, rows: [IntervalChart.Row])] = []
            for entry in here {
                let ids = entry.origins.map(\.id)
                guard let load = intervals.sectionLoad(level, section, entry.pollutant, origins: ids) else { continue }
                var rows = [IntervalChart.Row(label: "断面 Section load", load: load, share: nil)]
                for o in entry.origins.sorted(by: { ($0.kgPerYear, $1.id) > ($1.kgPerYear, $0.id) }) {
                    guard let i = intervals.origin(level, section, entry.pollutant, o.id) else { continue }
                    rows.append(IntervalChart.Row(label: o.id == "outside" ? "outside (unknown)" : directory.label(o.id), load: i.load, share: i.share))
                }
                blocks.append((entry.pollutant, rows))
            }
            guard let first = here.first, !blocks.isEmpty else { continue }
            s += HTML.keep("<h4>\(HTML.escape(first.sectionName)) \(HTML.escape(section))</h4>",
                           "<figure>" + IntervalChart.html(blocks, percent: intervals.percentText)
                               + "<figcaption>条形为估计值，须线为区间 bars: estimates (mean loads, with the smearing factor); whiskers: bootstrap intervals.</figcaption></figure>")
        }
        return s
    }

    func manifestSection() -> String {
        var s = "<section id=\"manifest\"><h2>数据清单 Manifest</h2>\n"
        s += HTML.table(["输入 Input", "SHA-256"], inputs.map { [$0.file, $0.sha256] }, tableClass: "manifest")
        s += "<p>Steps: " + HTML.escape(steps.joined(separator: ", ")) + ". Full details in manifest.json.</p>"
        if !warnings.isEmpty { s += "<h3>警告 Warnings</h3><ul>" + warnings.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>" }
        return s + "</section>\n"
    }
}
