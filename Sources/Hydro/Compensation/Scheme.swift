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
        public var line: String
    }

    public enum Split: String, Sendable, CaseIterable {
        case proportional, shapley, equal
    }

    public enum AmountMode: String, Sendable {
        case fixed
        case exceedanceRatio = "exceedance_ratio"
        case excessLoad = "excess_load"
    }

    public struct MonthlyRule: Sendable {
        public var sections: [String]
        public var amountMet: Double
        public var amountMissed: Double
        public var mode: AmountMode
        /// Yuan per kg of excess load, per pollutant (excess_load mode).
        public var unitPrice: [Pollutant: Double]
        public var split: Split
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
    }

    public var name: String
    public var year: Int
    public var currency: String
    public var sections: [Section]
    public var groups: [String: [String]]
    public var rules: [Rule]

    public func section(_ id: String) -> Section? { sections.first { $0.id == id } }

    /// A section's upstream parties with groups expanded, each once, in the order given.
    public func upstreamParties(of section: Section) -> [String] {
        var seen = Set<String>()
        return section.upstream.flatMap { groups[$0] ?? [$0] }.filter { seen.insert($0).inserted }
    }

    public static func load(_ path: String) throws -> Scheme { try Scheme(try ConfigFile.load(path)) }

    public init(_ root: ConfigTable) throws {
        try root.requireOnly(["scheme", "sections", "groups", "rules"])
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
        }
        self.groups = groups
        sections = try root.tables("sections").map { t in
            try t.requireOnly(["id", "name", "upstream", "downstream", "parameters", "target", "targets", "water_body"])
            let id = try t.requireString("id")
            let upstream = try t.strings("upstream") ?? []
            let downstream = try t.strings("downstream") ?? []
            guard !upstream.isEmpty, !downstream.isEmpty else {
                throw t.error(upstream.isEmpty ? "upstream" : "downstream", "is missing: a section needs upstream and downstream parties")
            }
            let parameters = try (try t.strings("parameters") ?? ["CODMn", "NH3-N", "TP"]).map { try Pollutant(parsing: $0, parameter: t.location("parameters")) }
            guard !parameters.isEmpty else { throw t.error("parameters", "must name at least one assessed parameter") }
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
                           targets: targets, targetLabels: labels, line: t.location("id"))
        }
        var seen = Set<String>()
        for s in sections {
            guard seen.insert(s.id).inserted else { throw HydroError(.invalidInput, s.line, "section '\(s.id)' is defined twice") }
        }
        let allSections = sections.map(\.id)
        let sectionsByID = Dictionary(sections.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var covered: [String: String] = [:]
        func sectionList(_ t: ConfigTable, kind: String) throws -> [String] {
            let list = try t.strings("sections") ?? allSections
            for s in list where !allSections.contains(s) { throw t.error("sections", "names section '\(s)', which is not defined") }
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
            for k in table.order { values[try Pollutant(parsing: k, parameter: table.location(k))] = try table.requireNumber(k) }
            return values
        }
        func shares(_ t: ConfigTable, _ key: String) throws -> [String: Double] {
            if case .string(let single)? = t.entries[key] { return [single: 1] }
            guard let table = try t.table(key) else { throw t.error(key, "is missing") }
            var values: [String: Double] = [:]
            for k in table.order {
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
                try t.requireOnly(["type", "sections", "amount", "amount_met", "amount_missed", "mode", "unit_price", "split"])
                let amount = try t.number("amount")
                let mode = AmountMode(rawValue: try t.string("mode") ?? "fixed")
                guard let mode else { throw t.error("mode", "must be fixed, exceedance_ratio or excess_load") }
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
                                       line: t.location("type"))
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
                try t.requireOnly(["type", "total", "contributions", "allocation", "failures"])
                let failures = try t.tables("failures").map { f -> Failure in
                    try f.requireOnly(["section", "weight", "deduct_from", "give_to"])
                    let s = try f.requireString("section")
                    guard allSections.contains(s) else { throw f.error("section", "names section '\(s)', which is not defined") }
                    let weight = try f.requireNumber("weight")
                    guard weight >= 0, weight <= 1 else { throw f.error("weight", "must lie in 0…1, got \(weight)") }
                    return Failure(section: s, weight: weight, bearers: try shares(f, "deduct_from"),
                                   recipients: try shares(f, "give_to"), line: f.location("section"))
                }
                guard try t.requireNumber("total") > 0 else { throw t.error("total", "must be positive") }
                return .fund(FundRule(total: try t.requireNumber("total"), contributions: try shares(t, "contributions"),
                                      allocation: try shares(t, "allocation"), failures: failures, line: t.location("type")))
            default:
                throw t.error("type", "unknown rule type '\(type)' (monthly_two_way, water_quantity, index, pooled_fund)")
            }
        }
        guard !rules.isEmpty else { throw HydroError(.invalidInput, root.file, "defines no [[rules]]") }
    }
}
