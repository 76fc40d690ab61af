/// A compensation scheme: assessment sections, parties, targets and the rules that move money.
public struct Scheme: Sendable {
    public struct Section: Sendable {
        public var id: String
        public var name: String
        public var upstream: [String]
        public var downstream: [String]
        public var parameters: [Pollutant]
        /// Target concentration per parameter, mg/L (a minimum for DO).
        public var targets: [Pollutant: Double]
        /// How each target was written ("Class II" or a number), for the ledger.
        public var targetLabels: [Pollutant: String]
        /// Target loads per pollutant (load_targets), judged by `load_target` rules.
        public var loadTargets: [Pollutant: LoadTarget]
        public var line: String
    }

    /// A target load: at most `kilograms` per year or per month at the section.
    public struct LoadTarget: Sendable, Equatable {
        public enum Period: String, Sendable {
            case year, month
        }
        public var kilograms: Double
        public var period: Period
        /// As written ("120 t/yr").
        public var label: String

        /// Parses "120 t/yr", "1500 kg/month", "80000 kg/yr" or "10 t/month".
        public init?(parsing text: String) {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let value = Double(parts[0]), value.isFinite, value >= 0 else { return nil }
            let units: [String: (Double, Period)] = ["t/yr": (1000, .year), "kg/yr": (1, .year), "t/month": (1000, .month), "kg/month": (1, .month)]
            guard let (factor, period) = units[String(parts[1])] else { return nil }
            self.init(kilograms: value * factor, period: period, label: text)
        }

        public init(kilograms: Double, period: Period, label: String) {
            self.kilograms = kilograms
            self.period = period
            self.label = label
        }
    }

    public enum Split: String, Sendable, CaseIterable {
        case proportional, shapley, equal
    }

    public enum AmountMode: String, Sendable {
        case fixed
        case exceedanceRatio = "exceedance_ratio"
        case excessLoad = "excess_load"
        /// amount_missed × (1 + exceedance ratio), the ratio capped at ratio_cap.
        case basePlusRatio = "base_plus_ratio"
    }

    /// How much of a bearer's weighted allocation a failing section deducts.
    public enum Deduction: String, Sendable {
        /// weight × allocation, whenever any assessed parameter fails.
        case whole
        /// weight × allocation × failed parameters ÷ assessed parameters.
        case failedShare = "failed_share"
    }

    public struct MonthlyRule: Sendable {
        public var sections: [String]
        public var amountMet: Double
        public var amountMissed: Double
        public var mode: AmountMode
        /// Yuan per kg of excess load, per pollutant (excess_load mode).
        public var unitPrice: [Pollutant: Double]
        public var split: Split
        /// Largest exceedance ratio counted (exceedance_ratio and base_plus_ratio modes).
        public var ratioCap: Double?
        public var line: String
    }

    /// Loads at a section against its load targets: the excess load, priced per kg, paid by the
    /// upstream parties in the chosen split; a period meeting every load target earns `amountMet`.
    public struct LoadRule: Sendable {
        public var sections: [String]
        /// Yuan per kg of excess load, per pollutant.
        public var unitPrice: [Pollutant: Double]
        public var split: Split
        public var amountMet: Double
        public var line: String
    }

    public struct QuantityRule: Sendable {
        public var sections: [String]
        public var monthlyVolume: Double?
        public var amountVolume: Double
        public var ecologicalFlow: Double?
        public var amountFlow: Double
        public var line: String
    }

    public struct IndexRule: Sendable {
        public var sections: [String]
        public var k0: Double
        public var amount: Double
        public var parameters: [Pollutant]
        public var reference: [Pollutant: Double]
        public var line: String
    }

    public struct Failure: Sendable {
        public var section: String
        public var weight: Double
        public var bearers: [String: Double]
        public var recipients: [String: Double]
        public var deduction: Deduction
        public var line: String
    }

    public struct FundRule: Sendable {
        public var total: Double
        public var contributions: [String: Double]
        public var allocation: [String: Double]
        public var failures: [Failure]
        public var line: String
    }

    public enum Rule: Sendable {
        case monthly(MonthlyRule)
        case quantity(QuantityRule)
        case index(IndexRule)
        case fund(FundRule)
        case load(LoadRule)
    }

    public var name: String
    public var year: Int
    public var currency: String
    public var sections: [Section]
    public var groups: [String: [String]]
    public var rules: [Rule]
    /// Party names from the [parties] table, by code.
    public var parties: [String: String]
    /// Where each party code is first named in the scheme ("scheme.toml:12"), for errors.
    public var partyLines: [String: String]
    public var file: String

    public func section(_ id: String) -> Section? { sections.first { $0.id == id } }

    /// A section's upstream parties with groups expanded, each once, in the order given.
    public func upstreamParties(of section: Section) -> [String] {
        var seen = Set<String>()
        return section.upstream.flatMap { groups[$0] ?? [$0] }.filter { seen.insert($0).inserted }
    }

    public static func load(_ path: String) throws -> Scheme { try Scheme(try ConfigFile.load(path)) }

    public init(_ root: ConfigTable) throws {
        try root.requireOnly(["scheme", "sections", "groups", "rules", "parties"])
        file = root.file
        var parties: [String: String] = [:], partyLines: [String: String] = [:]
        func mention(_ code: String, _ location: String) { if partyLines[code] == nil { partyLines[code] = location } }
        if let table = try root.table("parties") {
            for code in table.order {
                let name = try table.requireString(code)
                guard !name.isEmpty else { throw table.error(code, "gives an empty name") }
                parties[code] = name
                mention(code, table.location(code))
            }
        }
        self.parties = parties
        let head = try root.table("scheme") ?? ConfigTable(file: root.file, path: "scheme")
        try head.requireOnly(["name", "year", "currency"])
        name = try head.string("name") ?? "scheme"
        guard let y = try head.integer("year", in: 1900...2200) else { throw head.error("year", "is missing (the settlement year, e.g. 2024)") }
        year = y
        currency = try head.string("currency") ?? "CNY"
        var groups: [String: [String]] = [:]
        for g in try root.tables("groups") {
            try g.requireOnly(["name", "members"])
            let name = try g.requireString("name")
            guard groups[name] == nil else { throw g.error("name", "group '\(name)' is defined twice") }
            groups[name] = try g.strings("members") ?? []
            for m in groups[name] ?? [] { mention(m, g.location("members")) }
        }
        self.groups = groups
        sections = try root.tables("sections").map { t in
            try t.requireOnly(["id", "name", "upstream", "downstream", "parameters", "target", "targets", "water_body", "load_targets"])
            let id = try t.requireString("id")
            let upstream = try t.strings("upstream") ?? []
            let downstream = try t.strings("downstream") ?? []
            guard !upstream.isEmpty, !downstream.isEmpty else {
                throw t.error(upstream.isEmpty ? "upstream" : "downstream", "is missing: a section needs upstream and downstream parties")
            }
            for u in upstream { mention(u, t.location("upstream")) }
            for d in downstream { mention(d, t.location("downstream")) }
            var loadTargets: [Pollutant: LoadTarget] = [:]
            if let table = try t.table("load_targets") {
                for key in table.order {
                    let p = try Pollutant(parsing: key, parameter: table.location(key))
                    guard p.name != "DO" else { throw table.error(key, "DO is a concentration, not a load") }
                    guard case .string(let text)? = table.entries[key], let target = LoadTarget(parsing: text) else {
                        throw table.error(key, "must be a load with its unit, e.g. \"120 t/yr\" or \"1500 kg/month\" (t/yr, kg/yr, t/month, kg/month)")
                    }
                    loadTargets[p] = target
                }
                guard Set(loadTargets.values.map(\.period)).count <= 1 else {
                    throw t.error("load_targets", "mixes yearly and monthly loads; a section's load targets share one period")
                }
            }
            // A section with only load targets assesses no concentrations unless it names parameters.
            let concentrationOptional = !loadTargets.isEmpty && !t.has("parameters") && !t.has("target") && !t.has("targets")
            let parameters = try (try t.strings("parameters") ?? (concentrationOptional ? [] : ["CODMn", "NH3-N", "TP"])).map { try Pollutant(parsing: $0, parameter: t.location("parameters")) }
            guard !parameters.isEmpty || concentrationOptional else { throw t.error("parameters", "must name at least one assessed parameter") }
            let overlap = Set(upstream).intersection(downstream)
            guard overlap.isEmpty else { throw t.error("upstream", "party '\(overlap.sorted()[0])' is both upstream and downstream") }
            let body = GB3838.WaterBody(rawValue: try t.string("water_body") ?? "river")
            guard let body else { throw t.error("water_body", "must be \"river\" or \"lake\"") }
            var targets: [Pollutant: Double] = [:], labels: [Pollutant: String] = [:]
            func target(_ value: ConfigValue, _ p: Pollutant, key: String) throws {
                switch value {
                case .number(let d):
                    guard d > 0 else { throw t.error(key, "target for \(p.name) must be positive") }
                    targets[p] = d; labels[p] = String(d)
                case .string(let s):
                    guard let c = GB3838.parseClass(s) else {
                        throw t.error(key, "target '\(s)' is neither a class (\"Class II\") nor a number")
                    }
                    do { targets[p] = try GB3838.limit(p, waterClass: c, body: body) } catch let e as HydroError {
                        throw t.error(key, e.message)
                    }
                    labels[p] = "Class \(["I", "II", "III", "IV", "V"][c - 1])"
                default:
                    throw t.error(key, "target must be a class name or a number, not \(value.typeName)")
                }
            }
            if let all = t.entries["target"] { for p in parameters { try target(all, p, key: "target") } }
            if let per = try t.table("targets") {
                for key in per.order {
                    let p = try Pollutant(parsing: key, parameter: per.location(key))
                    if let v = per.entries[key] { try target(v, p, key: "targets") }
                }
            }
            for p in parameters where targets[p] == nil { throw t.error("target", "gives no target for \(p.name)") }
            return Section(id: id, name: try t.string("name") ?? id, upstream: upstream, downstream: downstream, parameters: parameters,
                           targets: targets, targetLabels: labels, loadTargets: loadTargets, line: t.location("id"))
        }
        var seen = Set<String>()
        for s in sections {
            guard seen.insert(s.id).inserted else { throw HydroError(.invalidInput, s.line, "section '\(s.id)' is defined twice") }
        }
        let allSections = sections.map(\.id)
        let sectionsByID = Dictionary(sections.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var covered: [String: String] = [:]
        func sectionList(_ t: ConfigTable, kind: String) throws -> [String] {
            let loadKind = kind == "load_target", concentrationKind = kind == "monthly_two_way"
            let list = try t.strings("sections") ?? allSections.filter { id in
                let s = sectionsByID[id]
                if loadKind { return !(s?.loadTargets.isEmpty ?? true) }
                return concentrationKind ? !(s?.parameters.isEmpty ?? true) : true
            }
            for s in list where !allSections.contains(s) { throw t.error("sections", "names section '\(s)', which is not defined") }
            for s in list {
                if loadKind && (sectionsByID[s]?.loadTargets.isEmpty ?? true) {
                    throw t.error("sections", "names section '\(s)', which has no load_targets")
                }
                if concentrationKind && (sectionsByID[s]?.parameters.isEmpty ?? true) {
                    throw t.error("sections", "names section '\(s)', which has load targets only; a \(kind) rule judges concentrations")
                }
            }
            for s in list {
                if let earlier = covered["\(kind):\(s)"] {
                    throw HydroError(.invalidInput, t.location("type"), "rule overlaps the \(kind) rule at \(earlier) on section '\(s)'")
                }
                covered["\(kind):\(s)"] = t.location("type")
            }
            return list
        }
        func prices(_ t: ConfigTable, _ key: String) throws -> [Pollutant: Double] {
            guard let table = try t.table(key) else { return [:] }
            var values: [Pollutant: Double] = [:]
            for k in table.order {
                let v = try table.requireNumber(k)
                guard v >= 0 else { throw table.error(k, "must not be negative, got \(v)") }
                values[try Pollutant(parsing: k, parameter: table.location(k))] = v
            }
            return values
        }
        func shares(_ t: ConfigTable, _ key: String) throws -> [String: Double] {
            if case .string(let single)? = t.entries[key] {
                mention(single, t.location(key))
                return [single: 1]
            }
            guard let table = try t.table(key) else { throw t.error(key, "is missing") }
            var values: [String: Double] = [:]
            for k in table.order {
                mention(k, table.location(k))
                let v = try table.requireNumber(k)
                guard v >= 0 else { throw table.error(k, "must not be negative") }
                values[k] = v
            }
            guard values.orderedSum > 0 else { throw t.error(key, "must hold at least one positive share") }
            return values
        }
        rules = try root.tables("rules").map { t -> Rule in
            let type = try t.requireString("type")
            switch type {
            case "monthly_two_way":
                try t.requireOnly(["type", "sections", "amount", "amount_met", "amount_missed", "mode", "unit_price", "split", "ratio_cap"])
                let amount = try t.number("amount")
                let mode = AmountMode(rawValue: try t.string("mode") ?? "fixed")
                guard let mode else { throw t.error("mode", "must be fixed, exceedance_ratio, base_plus_ratio or excess_load") }
                let cap = try t.number("ratio_cap")
                if let cap {
                    guard cap >= 0 else { throw t.error("ratio_cap", "must not be negative") }
                    guard mode == .exceedanceRatio || mode == .basePlusRatio else {
                        throw t.error("ratio_cap", "applies to the exceedance_ratio and base_plus_ratio modes only")
                    }
                }
                let split = Split(rawValue: try t.string("split") ?? "proportional")
                guard let split else { throw t.error("split", "must be proportional, shapley or equal") }
                let price = try prices(t, "unit_price")
                let covered = try sectionList(t, kind: "monthly_two_way")
                if mode == .excessLoad {
                    for id in covered {
                        for p in sectionsByID[id]?.parameters ?? [] where p.name != "DO" && price[p] == nil {
                            throw t.error("unit_price", "has no price for \(p.name), assessed at section '\(id)' (yuan per kg of excess load)")
                        }
                    }
                }
                let rule = MonthlyRule(sections: covered, amountMet: try t.number("amount_met") ?? amount ?? 0,
                                       amountMissed: try t.number("amount_missed") ?? amount ?? 0, mode: mode, unitPrice: price, split: split,
                                       ratioCap: cap, line: t.location("type"))
                guard rule.amountMet >= 0, rule.amountMissed >= 0 else { throw t.error("amount", "must not be negative") }
                return .monthly(rule)
            case "water_quantity":
                try t.requireOnly(["type", "sections", "monthly_volume_m3", "amount_volume", "ecological_flow_m3s", "amount_flow"])
                for key in ["amount_volume", "amount_flow", "monthly_volume_m3", "ecological_flow_m3s"] {
                    if let v = try t.number(key), v < 0 { throw t.error(key, "must not be negative") }
                }
                return .quantity(QuantityRule(sections: try sectionList(t, kind: "water_quantity"), monthlyVolume: try t.number("monthly_volume_m3"),
                                              amountVolume: try t.number("amount_volume") ?? 0, ecologicalFlow: try t.number("ecological_flow_m3s"),
                                              amountFlow: try t.number("amount_flow") ?? 0, line: t.location("type")))
            case "index":
                try t.requireOnly(["type", "sections", "k0", "amount", "parameters", "reference"])
                let parameters = try (try t.strings("parameters") ?? ["CODMn", "NH3-N", "TP", "TN"]).map { try Pollutant(parsing: $0, parameter: t.location("parameters")) }
                guard !parameters.isEmpty else { throw t.error("parameters", "must name at least one parameter") }
                let reference = try prices(t, "reference")
                for (p, v) in reference where !(v > 0) { throw t.error("reference", "for \(p.name) must be positive, got \(v)") }
                let k0 = try t.number("k0") ?? 0.85
                guard k0 > 0 else { throw t.error("k0", "must be positive") }
                let amount = try t.requireNumber("amount")
                guard amount >= 0 else { throw t.error("amount", "must not be negative") }
                return .index(IndexRule(sections: try sectionList(t, kind: "index"), k0: k0, amount: amount, parameters: parameters,
                                        reference: reference, line: t.location("type")))
            case "pooled_fund":
                try t.requireOnly(["type", "total", "contributions", "allocation", "failures", "deduction"])
                func deduction(_ table: ConfigTable, default value: Deduction) throws -> Deduction {
                    guard let text = try table.string("deduction") else { return value }
                    guard let d = Deduction(rawValue: text) else { throw table.error("deduction", "must be \"whole\" or \"failed_share\"") }
                    return d
                }
                let ruleDeduction = try deduction(t, default: .whole)
                let failures = try t.tables("failures").map { f -> Failure in
                    try f.requireOnly(["section", "weight", "deduct_from", "give_to", "deduction"])
                    let s = try f.requireString("section")
                    guard allSections.contains(s) else { throw f.error("section", "names section '\(s)', which is not defined") }
                    guard !(sectionsByID[s]?.parameters.isEmpty ?? true) else {
                        throw f.error("section", "names section '\(s)', which has load targets only; a pooled fund judges concentrations")
                    }
                    let weight = try f.requireNumber("weight")
                    guard weight >= 0, weight <= 1 else { throw f.error("weight", "must lie in 0…1, got \(weight)") }
                    return Failure(section: s, weight: weight, bearers: try shares(f, "deduct_from"),
                                   recipients: try shares(f, "give_to"), deduction: try deduction(f, default: ruleDeduction), line: f.location("section"))
                }
                guard try t.requireNumber("total") > 0 else { throw t.error("total", "must be positive") }
                return .fund(FundRule(total: try t.requireNumber("total"), contributions: try shares(t, "contributions"),
                                      allocation: try shares(t, "allocation"), failures: failures, line: t.location("type")))
            case "load_target":
                try t.requireOnly(["type", "sections", "unit_price", "split", "amount_met"])
                let split = Split(rawValue: try t.string("split") ?? "proportional")
                guard let split else { throw t.error("split", "must be proportional, shapley or equal") }
                let price = try prices(t, "unit_price")
                for (p, v) in price where !(v >= 0) { throw t.error("unit_price", "for \(p.name) must not be negative") }
                let covered = try sectionList(t, kind: "load_target")
                for id in covered {
                    for p in (sectionsByID[id]?.loadTargets.keys).map(Array.init) ?? [] where price[p] == nil {
                        throw t.error("unit_price", "has no price for \(p.name), which has a load target at section '\(id)' (yuan per kg of excess load)")
                    }
                }
                let met = try t.number("amount_met") ?? 0
                guard met >= 0 else { throw t.error("amount_met", "must not be negative") }
                return .load(LoadRule(sections: covered, unitPrice: price, split: split, amountMet: met, line: t.location("type")))
            default:
                throw t.error("type", "unknown rule type '\(type)' (monthly_two_way, water_quantity, index, pooled_fund, load_target)")
            }
        }
        guard !rules.isEmpty else { throw HydroError(.invalidInput, root.file, "defines no [[rules]]") }
        self.partyLines = partyLines
    }
}
