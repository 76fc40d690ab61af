import Foundation

extension ProjectRun {
    /// report.html (self-contained: maps are inline SVG over a PNG hillshade in a data URI) and
    /// manifest.json (versions, the project file, SHA-256 of every input and output, times, platform).
    func reportStep(_ part: TaskProgress) throws {
        let html = try buildReport()
        try AtomicOutput.write(html, to: path(Outputs.report), overwrite: true)
        try writeManifest()
        try part.report(1)
    }

    func buildReport() throws -> String {
        let dem = try conditionedDEM()
        let geometry = dem.geometry
        let sections = try sections()
        let budgets = try loadsResult().budgets
        let pollutants = budgets.map(\.pollutant)
        var body = ""
        body += "<h1>\(HTML.escape(config.name))<br/><small>流域污染负荷溯源与生态补偿报告 · Pollution-load attribution and compensation report</small></h1>\n"
        body += "<p class=\"meta\">hydrotool \(Provenance.version) · GDAL \(LibraryVersions.gdal) · PROJ \(LibraryVersions.proj)</p>\n"
        body += "<nav><a href=\"#map\">地图 Map</a> · <a href=\"#budget\">负荷平衡 Mass budget</a> · <a href=\"#shares\">来源分担 Attributed shares</a> · <a href=\"#flux\">跨界通量 Flux graph</a> · <a href=\"#ledger\">补偿结算 Settlement</a> · <a href=\"#manifest\">数据清单 Manifest</a></nav>\n"

        // Maps
        body += "<section id=\"map\"><h2>流域图 Basin map</h2>\n"
        let map = try MapRenderer(run: self, dem: dem)
        for p in pollutants.isEmpty ? [""] : pollutants {
            body += "<figure>" + (try map.svg(pollutant: p.isEmpty ? nil : p)) + "<figcaption>\(p.isEmpty ? "" : "\(HTML.escape(p)): ")"
            body += "河流线宽按负荷 streams scaled by load (kg/yr) · 灰线 jurisdiction borders · ● 断面 sections · ▲ 跨界点 border crossings</figcaption></figure>\n"
        }
        let sectionRows = sections.map { s in [s.id, s.name, s.upstreamArea.isNaN ? "–" : HTML.number(s.upstreamArea),
                                                s.snapDistance.isNaN ? "–" : HTML.number(s.snapDistance), s.warnings.joined(separator: "; ")] }
        if !sectionRows.isEmpty {
            body += "<h3>断面 Sections</h3>" + HTML.table(["编号 ID", "名称 Name", "集水面积 Upstream area (km²)", "移动 Snapped (m)", "提示 Warnings"], sectionRows, numericFrom: 2)
        }
        body += "</section>\n"

        // Mass budget
        body += "<section id=\"budget\"><h2>负荷平衡 Mass budget (kg/yr)</h2>\n"
        body += HTML.table(["污染物 Pollutant", "产生 Generated", "输出 Delivered", "陆面截留 Lost on land", "河道衰减 Lost in streams", "水库截留 Lost in reservoirs", "不平衡 Imbalance"],
                           budgets.map { b in
                               [b.pollutant] + [b.generated, b.delivered, b.lostOnLand, b.lostInStreams, b.lostInReservoirs, b.imbalance].map(HTML.number)
                           }, numericFrom: 1)
        body += "</section>\n"

        // Attributed shares
        body += "<section id=\"shares\"><h2>来源分担 Attributed shares at sections</h2>\n"
        let attributionResult = try attributionResult()
        let attribution = attributionResult?.sections ?? []
        if attribution.isEmpty { body += "<p>No jurisdictions given: no attribution. 未提供行政区划。</p>" }
        // One colour per origin throughout the report, so a party reads the same in every bar.
        let originNames = Set(attribution.flatMap { $0.origins.map(\.name) }).sorted()
        let colourIndex = Dictionary(uniqueKeysWithValues: originNames.enumerated().map { ($1, $0) })
        let colour: (String) -> String = { HTML.palette[(colourIndex[$0] ?? 0) % HTML.palette.count] }
        for level in config.jurisdictionLevels {
            let entries = attribution.filter { $0.level == level }
            guard !entries.isEmpty else { continue }
            body += "<h3>\(["county": "区县 County", "prefecture": "市州 Prefecture", "province": "省 Province"][level] ?? level)</h3>\n"
            for entry in entries {
                let parts = entry.origins.map { (label: $0.name, share: $0.share) }.sorted { $0.share > $1.share }
                body += "<h4>\(HTML.escape(entry.name)) (\(HTML.escape(entry.section))) · \(HTML.escape(entry.pollutant)) · \(HTML.number(entry.totalKgPerYr)) kg/yr\(entry.upstreamTouchesEdgeOrNodata ? " · <em>上游触及DEM边界或无数据区 upstream area touches the DEM edge or nodata</em>" : "")</h4>\n"
                body += HTML.stackedBar(parts.map { ($0.label, $0.share) }, colour: colour)
                body += "<details><summary>表 Table</summary>" + HTML.table(["来源 Origin", "负荷 Load (kg/yr)", "占比 Share"],
                    parts.map { p in [p.label, HTML.number(entry.totalKgPerYr * p.share), String(format: "%.2f %%", p.share * 100)] }, numericFrom: 1) + "</details>\n"
            }
        }
        body += "</section>\n"

        // Flux graph
        body += "<section id=\"flux\"><h2>跨界通量 Jurisdiction flux graph</h2>\n"
        let firstLevel = config.jurisdictionLevels.first ?? "county"
        if let flux = attributionResult?.flux {
            let rows = flux.filter { $0.level == firstLevel }.sorted { $0.loadKgPerYr > $1.loadKgPerYr }.prefix(40)
            body += "<p>直接交给下游行政区的负荷 Load each unit hands directly to the next (top 40, kg/yr).</p>"
            body += HTML.table(["上游 From", "下游 To", "污染物 Pollutant", "负荷 Load (kg/yr)"], rows.map { [$0.fromName, $0.toName, $0.pollutant, HTML.number($0.loadKgPerYr)] }, numericFrom: 3)
            body += try map.fluxDiagram(Array(rows))
        } else {
            body += "<p>No flux table. 无通量表。</p>"
        }
        body += "</section>\n"

        // Settlement
        body += "<section id=\"ledger\"><h2>补偿结算 Settlement ledger</h2>\n"
        if let result = try settlementResult() {
            let settlement = result.settlement
            let currency = settlement.currency
            let balances = settlement.balances.sorted { $0.value > $1.value }
            body += "<h3>净收支 Net balances (\(HTML.escape(currency)), \(result.year))</h3>"
            body += HTML.balanceBars(balances.map { (partyName($0.key), $0.value) }, currency: currency)
            let checks = result.checks
            body += "<p>核对 Checks: paid = received = \(HTML.money(checks.totalPaid)); fund intake \(HTML.money(checks.fundIntake)) = payout \(HTML.money(checks.fundPayout)); balances sum to \(HTML.money(checks.balancesSum)).</p>"
            let entries = settlement.entries
            body += "<details open=\"open\"><summary>明细 Ledger (\(entries.count) transfers)</summary>"
            body += HTML.table(["期间 Period", "断面 Section", "支付方 Payer", "收款方 Payee", "金额 Amount", "规则 Rule", "实测 Measured (mg/L)", "目标 Target", "超标 Excess", "分担 Shares"],
                               entries.map { e in
                                   [e.period, e.section, partyName(e.payer), partyName(e.payee), HTML.money(e.amount), e.rule,
                                    e.measured, e.target, e.excess, e.shares]
                               }, numericFrom: 4) + "</details>"
            let gaps = settlement.gaps
            if !gaps.isEmpty { body += "<h3>缺测 Missing monitoring (\(gaps.count))</h3><ul>" + gaps.prefix(50).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>" }
        } else {
            body += "<p>No scheme or monitoring data: no settlement. 未提供补偿方案或监测数据。</p>"
        }
        body += "</section>\n"

        // Manifest summary
        body += "<section id=\"manifest\"><h2>数据清单 Manifest</h2>\n"
        body += HTML.table(["输入 Input", "SHA-256"], config.inputFiles.map { [relative($0), (try? checksum($0)) ?? "?"] })
        body += "<p>Steps: " + steps.map { "\($0.name) \($0.ran ? "ran" : "up to date")" }.joined(separator: ", ") + ". Full details in manifest.json.</p>"
        if !warnings.isEmpty { body += "<h3>警告 Warnings</h3><ul>" + warnings.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>" }
        body += "</section>\n"
        _ = geometry; _ = sections
        return """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(HTML.escape(config.name)) – hydrotool report</title>
        <style>
        body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei",system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4;padding:0 16px}
        h1 small{font-size:60%;color:#555;font-weight:normal} h2{border-bottom:2px solid #1f77b4;padding-bottom:4px;margin-top:36px}
        nav{margin:12px 0;padding:8px;background:#f3f6fa;border-radius:4px} .meta{color:#666;font-size:90%}
        table{border-collapse:collapse;margin:8px 0;font-size:90%} th,td{border:1px solid #ccc;padding:3px 8px;text-align:left} th{background:#eef3f8}
        td.n{text-align:right;font-variant-numeric:tabular-nums} figure{margin:12px 0} figcaption{font-size:90%;color:#555}
        .legend{font-size:85%;margin:4px 0 12px} .key{margin-right:12px;white-space:nowrap} .key i{display:inline-block;width:10px;height:10px;margin-right:4px}
        svg{max-width:100%;height:auto} details{margin:6px 0 14px}
        </style></head><body>
        \(body)
        </body></html>
        """
    }

    /// A path relative to the project file's folder, so the report reads the same wherever the project lives.
    func relative(_ file: String) -> String {
        let base = URL(fileURLWithPath: config.file).deletingLastPathComponent().standardizedFileURL.path + "/"
        return file.hasPrefix(base) ? String(file.dropFirst(base.count)) : file
    }

    /// A party's name for display: a unit name when the party is a known code.
    func partyName(_ id: String) -> String {
        if _partyNames == nil {
            var names: [String: String] = [:]
            for level in JurisdictionMap.Level.allCases {
                guard let map = try? jurisdictionMap(at: level) else { continue }
                for unit in map.units where names[unit.id] == nil { names[unit.id] = unit.name == unit.id ? unit.id : "\(unit.name) \(unit.id)" }
            }
            _partyNames = names
        }
        return _partyNames?[id] ?? id
    }

    func writeManifest() throws {
        // Step outputs were checksummed once, when their step recorded them; only the rest is hashed here.
        var known: [String: String] = [:]
        for entry in cache.entries.values { known.merge(entry.outputs) { a, _ in a } }
        var outputs: [String: String] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in files.sorted() where !name.hasPrefix(".") && name != Outputs.manifest {
            outputs[name] = try known[name] ?? SHA256.hex(file: path(name))
        }
        var inputs: [String: String] = [:]
        for file in config.inputFiles { inputs[file] = try checksum(file) }
        let projectText = (try? String(contentsOfFile: config.file, encoding: .utf8)) ?? ""
        let manifest = Manifest(
            tool: Provenance.toolName, version: Provenance.version, command: Provenance.current.command,
            gdal: LibraryVersions.gdal, proj: LibraryVersions.proj,
            platform: "\(ProcessInfo.processInfo.operatingSystemVersionString); \(ProcessInfo.processInfo.processorCount) cores",
            projectFile: config.file, projectFileSha256: try SHA256.hex(file: config.file), project: projectText,
            started: ISO8601DateFormatter().string(from: started), finished: ISO8601DateFormatter().string(from: Date()),
            steps: steps.map { Manifest.Step(name: $0.name, ran: $0.ran, seconds: $0.seconds, outputs: $0.outputs) },
            inputsSha256: inputs, outputsSha256: outputs, warnings: warnings)
        try StepResultFile.write(manifest, to: path(Outputs.manifest))
    }
}
