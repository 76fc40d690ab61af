import Foundation

/// Reads a model in RSPARROW's input conventions (Alexander & Gorman Sanisaca 2020, RSPARROW
/// documentation v1.1.0, chapter 3): `data1.csv` (one row per reach: waterid, fnode, tnode, frac, iftran,
/// hydseq, demiarea, demtarea, the monitored load `depvar` with `calsites`, and the explanatory variables),
/// `parameters.csv` (sparrowNames, parmInit, parmMin, parmMax, parmType, optional parmConstant),
/// `design_matrix.csv` (a row per source, a 0/1 column per delivery variable) and, when present,
/// `dataDictionary.csv` mapping data1UserNames to sparrowNames.
///
/// Parameters are selected as RSPARROW's estimateOptimize.R selects them: parmMax > 0 (or ≥ 0 for
/// DELIVF), parmMin < parmMax, and parmMin ≥ 0 for SOURCE; the others are left out of the model.
public enum SparrowInput {
    public static func read(directory: String, groupColumn: String? = nil, meanAdjustDelivery: Bool = true) throws -> SparrowModel {
        let dir = URL(fileURLWithPath: directory)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var rename: [String: String] = [:]
        if FileManager.default.fileExists(atPath: path("dataDictionary.csv")) {
            let dictionary = try CSVTable.load(path("dataDictionary.csv"))
            let sparrow = try dictionary.column("sparrowNames"), user = try dictionary.column("data1UserNames")
            for row in dictionary.rows where !row[user].isEmpty && row[user].uppercased() != "NA" {
                rename[row[user].lowercased()] = row[sparrow]
            }
        }
        var data = try CSVTable.load(path("data1.csv"))
        data.header = data.header.map { rename[$0.lowercased()] ?? $0 }
        let table = try reachTable(data, groupColumn: groupColumn)
        let parameters = try readParameters(try CSVTable.load(path("parameters.csv")), reaches: table.reaches)
        let deliveries = parameters.filter { $0.kind == .delivery }.map(\.name)
        let sources = parameters.filter { $0.kind == .source }.map(\.name)
        var design: [[Bool]] = Array(repeating: Array(repeating: false, count: deliveries.count), count: sources.count)
        if !deliveries.isEmpty {
            design = try readDesign(try CSVTable.load(path("design_matrix.csv")), sources: sources, deliveries: deliveries)
        }
        return try SparrowModel(reaches: table.reaches, parameters: parameters, design: design, stations: table.stations,
                                meanAdjustDelivery: meanAdjustDelivery)
    }

    /// The reach table and stations of a data1.csv, sorted by hydseq.
    static func reachTable(_ data: CSVTable, groupColumn: String?) throws -> (reaches: ReachTable, stations: [CalibrationStation]) {
        let file = data.file
        for required in ["waterid", "fnode", "tnode", "frac", "iftran", "hydseq", "demiarea", "demtarea"] { _ = try data.column(required) }
        func numbers(_ name: String) throws -> [Double] {
            let c = try data.column(name)
            return try data.rows.indices.map { try data.number($0, c) }
        }
        let waterid = try data.column("waterid")
        let hydseq = try numbers("hydseq"), fnode = try numbers("fnode"), tnode = try numbers("tnode")
        let frac = try numbers("frac"), iftran = try numbers("iftran")
        let demiarea = try numbers("demiarea"), demtarea = try numbers("demtarea")
        guard !data.rows.isEmpty else { throw HydroError(.invalidInput, file, "has no reaches") }
        var seen: [String: Int] = [:]
        for r in data.rows.indices {
            let id = data.rows[r][waterid]
            if let first = seen[id] {
                throw HydroError(.invalidInput, data.location(r), "waterid \(ConfigText.clip(id)) is also on line \(data.lines[first])")
            }
            seen[id] = r
            guard frac[r] >= 0, frac[r] <= 1 else { throw HydroError(.invalidInput, data.location(r), "frac is \(fmtShort(frac[r])); it must lie in [0, 1]") }
            guard iftran[r] == 0 || iftran[r] == 1 else { throw HydroError(.invalidInput, data.location(r), "iftran is \(fmtShort(iftran[r])); it must be 0 or 1") }
            guard demiarea[r] >= 0, demtarea[r] >= 0 else { throw HydroError(.invalidInput, data.location(r), "demiarea and demtarea must not be negative") }
        }
        let order = data.rows.indices.sorted { hydseq[$0] != hydseq[$1] ? hydseq[$0] < hydseq[$1] : $0 < $1 }
        var position = [Int](repeating: 0, count: order.count)
        for (k, r) in order.enumerated() { position[r] = k }
        var feeding: [Double: [Int]] = [:] // to-node → rows ending there
        for r in data.rows.indices { feeding[tnode[r], default: []].append(r) }
        var upstream: [[(reach: Int, weight: Double)]] = []
        for r in order {
            var list: [(reach: Int, weight: Double)] = []
            for u in feeding[fnode[r]] ?? [] where u != r {
                guard position[u] < position[r] else {
                    throw HydroError(.invalidInput, data.location(r),
                                     "reach \(data.rows[r][waterid]) (hydseq \(fmtShort(hydseq[r]))) is fed by reach \(data.rows[u][waterid]) on line \(data.lines[u]) (hydseq \(fmtShort(hydseq[u]))), which does not come before it; hydseq must order every reach after the reaches upstream of it")
                }
                list.append((position[u], iftran[u]))
            }
            upstream.append(list)
        }
        // Every numeric column becomes a variable (text columns such as names are skipped).
        var variables: [String: [Double]] = [:]
        for (c, name) in data.header.enumerated() {
            var values: [Double] = []
            values.reserveCapacity(order.count)
            var numeric = true
            for r in order {
                let text = data.rows[r][c]
                guard let v = Double(text), v.isFinite else { numeric = false; break }
                values.append(v)
            }
            if numeric { variables[name] = values }
        }
        var table = try ReachTable(ids: order.map { data.rows[$0][waterid] }, upstream: upstream, frac: order.map { frac[$0] },
                                   incrementalArea: order.map { demiarea[$0] }, totalArea: order.map { demtarea[$0] },
                                   variables: variables, source: file)
        if let groupColumn {
            let g = try data.column(groupColumn)
            let names = Array(Set(order.map { data.rows[$0][g] })).sorted()
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            table.groupNames = names
            table.origins = order.enumerated().map { k, r in
                ReachTable.OriginPart(reach: k, group: index[data.rows[r][g]] ?? 0, sourceShares: [:])
            }
        }
        var stations: [CalibrationStation] = []
        if let depvar = data.optionalColumn("depvar") {
            let calsites = data.optionalColumn("calsites")
            let name = data.optionalColumn("station_id") ?? data.optionalColumn("station_name") ?? data.optionalColumn("staid")
            let weight = data.optionalColumn("weight")
            let lat = data.optionalColumn("lat"), lon = data.optionalColumn("lon")
            for (k, r) in order.enumerated() {
                let text = data.rows[r][depvar]
                if text.isEmpty || text.uppercased() == "NA" { continue }
                let load = try data.number(r, depvar)
                let isSite = try calsites.map { try data.number(r, $0) == 1 } ?? (load > 0)
                guard load >= 0 else { throw HydroError(.invalidInput, data.location(r), "depvar (the monitored load) is \(fmtShort(load)); loads must be positive kg/yr") }
                guard isSite else { continue }
                guard load > 0 else { throw HydroError(.invalidInput, data.location(r), "calibration site with load 0; a monitored load must be positive kg/yr") }
                var w = 1.0
                if let weight { w = try data.number(r, weight) }
                guard w > 0 else { throw HydroError(.invalidInput, data.location(r), "weight is \(fmtShort(w)); weights must be positive") }
                let label = name.map { data.rows[r][$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? data.rows[r][waterid]
                stations.append(CalibrationStation(
                    reach: k, name: label, observedLoad: load, weight: w, longitude: lon.flatMap { Double(data.rows[r][$0]) },
                    latitude: lat.flatMap { Double(data.rows[r][$0]) }, location: data.location(r)))
            }
        }
        return (table, stations)
    }

    static func readParameters(_ csv: CSVTable, reaches: ReachTable) throws -> [CalibrationParameter] {
        let name = try csv.column("sparrowNames"), initial = try csv.column("parmInit"), minimum = try csv.column("parmMin")
        let maximum = try csv.column("parmMax"), type = try csv.column("parmType")
        let constant = csv.optionalColumn("parmConstant"), description = csv.optionalColumn("description")
        var parameters: [CalibrationParameter] = []
        for r in csv.rows.indices {
            let typeText = csv.rows[r][type].uppercased()
            guard let kind = CalibrationParameterKind(rawValue: typeText) else {
                throw HydroError(.invalidInput, csv.location(r), "parmType '\(ConfigText.clip(csv.rows[r][type]))' is not SOURCE, DELIVF, STRM or RESV")
            }
            let lo = try csv.number(r, minimum), hi = try csv.number(r, maximum), start = try csv.number(r, initial)
            let selected = (hi > 0 || (kind == .delivery && hi >= 0)) && lo < hi && (kind != .source || lo >= 0)
            // parmConstant = 1 holds a selected parameter at parmInit; unselected ones stay out of the model.
            guard selected else { continue }
            let isConstant = try constant.map { try csv.number(r, $0) == 1 } ?? false
            let variable = csv.rows[r][name]
            guard reaches.variables[variable] != nil else {
                throw HydroError(.invalidInput, csv.location(r), "parameter '\(ConfigText.clip(variable))' has no numeric column of that name in data1.csv")
            }
            guard isConstant || (start >= lo && start <= hi) else {
                throw HydroError(.invalidInput, csv.location(r), "parmInit \(fmtShort(start)) of '\(variable)' lies outside [parmMin, parmMax] = [\(fmtShort(lo)), \(fmtShort(hi))]")
            }
            guard !parameters.contains(where: { $0.name == variable }) else {
                throw HydroError(.invalidInput, csv.location(r), "parameter '\(variable)' is listed twice")
            }
            parameters.append(CalibrationParameter(name: variable, kind: kind, initial: start, lower: isConstant ? start : lo,
                                                   upper: isConstant ? start : hi, isFixed: isConstant,
                                                   description: description.map { csv.rows[r][$0] } ?? ""))
        }
        guard parameters.contains(where: { $0.kind == .source }) else {
            throw HydroError(.invalidInput, csv.file, "selects no SOURCE parameter (a source needs parmMax > 0, parmMin ≥ 0 and parmMin < parmMax)")
        }
        return parameters
    }

    static func readDesign(_ csv: CSVTable, sources: [String], deliveries: [String]) throws -> [[Bool]] {
        let name = try csv.column("sparrowNames")
        let columns = try deliveries.map { d -> Int in
            guard let c = csv.optionalColumn(d) else {
                throw HydroError(.invalidInput, csv.file, "has no column for the delivery variable '\(d)' (columns: \(csv.header.joined(separator: ", ")))")
            }
            return c
        }
        return try sources.map { source in
            guard let r = csv.rows.firstIndex(where: { $0[name] == source }) else {
                throw HydroError(.invalidInput, csv.file, "has no row for the source '\(source)'")
            }
            return try columns.map { c in
                let v = try csv.number(r, c)
                guard v == 0 || v == 1 else { throw HydroError(.invalidInput, csv.location(r), "'\(csv.header[c])' is \(fmtShort(v)); design entries are 0 or 1") }
                return v == 1
            }
        }
    }
}

extension SparrowInput {
    /// Writes a model as data1.csv, parameters.csv and design_matrix.csv (RSPARROW's conventions), with the
    /// stations' loads as depvar and calsites: the synthetic benchmark model and test fixtures are made so.
    public static func write(_ model: SparrowModel, to directory: String, groupColumn: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let r = model.reaches
        let names = model.parameters.map(\.variable)
        var stationLoad = [Double](repeating: 0, count: r.count)
        for s in model.stations { stationLoad[s.reach] = s.observedLoad }
        // Node k is the downstream node of reach k; a reach's upstream node is its first feeder's downstream
        // node (all feeders of a reach share it), or a node of its own.
        var toNode = Array(1...max(r.count, 1)).map(Double.init)
        var fromNode = [Double](repeating: 0, count: r.count)
        var next = Double(r.count + 1)
        for i in 0..<r.count {
            let lo = r.upstreamStart[i], hi = r.upstreamStart[i + 1]
            if lo == hi { fromNode[i] = next; next += 1 } else {
                let node = toNode[r.upstreamReach[lo]]
                for e in lo..<hi { toNode[r.upstreamReach[e]] = node }
                fromNode[i] = node
            }
        }
        var group: [Int] = Array(repeating: 0, count: r.count)
        for part in r.origins { group[part.reach] = part.group }
        var lines = ["waterid,fnode,tnode,frac,iftran,hydseq,demiarea,demtarea,calsites,depvar" + names.map { "," + $0 }.joined() + (groupColumn.map { "," + $0 } ?? "")]
        var iftranOf = [Double](repeating: 1, count: r.count)
        for (e, j) in r.upstreamReach.enumerated() { iftranOf[j] = r.upstreamWeight[e] }
        for i in 0..<r.count {
            let iftran = iftranOf[i]
            var row = "\(r.ids[i]),\(Int(fromNode[i])),\(Int(toNode[i])),\(r.frac[i]),\(Int(iftran)),\(i + 1),\(r.incrementalArea[i]),\(r.totalArea[i]),\(stationLoad[i] > 0 ? 1 : 0),\(stationLoad[i])"
            for v in names { row += ",\(r.variables[v]?[i] ?? 0)" }
            if groupColumn != nil { row += ",\(r.groupNames.isEmpty ? "G1" : r.groupNames[group[i]])" }
            lines.append(row)
        }
        try AtomicOutput.write(lines.joined(separator: "\n") + "\n", to: URL(fileURLWithPath: directory).appendingPathComponent("data1.csv").path, overwrite: true)
        var parameters = ["sparrowNames,description,parmUnits,parmInit,parmMin,parmMax,parmType,parmConstant"]
        for p in model.parameters {
            parameters.append("\(p.variable),\(p.description),,\(p.initial),\(p.lower),\(p.upper),\(p.kind.rawValue),\(p.isFixed ? 1 : 0)")
        }
        try AtomicOutput.write(parameters.joined(separator: "\n") + "\n", to: URL(fileURLWithPath: directory).appendingPathComponent("parameters.csv").path, overwrite: true)
        let deliveries = model.parameters.filter { $0.kind == .delivery }.map(\.variable)
        var design = ["sparrowNames" + deliveries.map { "," + $0 }.joined()]
        for (s, p) in model.parameters.filter({ $0.kind == .source }).enumerated() {
            design.append(p.variable + model.design[s].map { $0 ? ",1" : ",0" }.joined())
        }
        try AtomicOutput.write(design.joined(separator: "\n") + "\n", to: URL(fileURLWithPath: directory).appendingPathComponent("design_matrix.csv").path, overwrite: true)
    }
}
