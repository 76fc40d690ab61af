import Foundation

/// Loads attributed to parties at each section, for splitting payments among upstream parties.
public struct AttributedLoads: Sendable {
    /// kg/yr at a section by pollutant and party; `background` is the rest (other parties, unknown).
    public var byParty: [String: [Pollutant: [String: Double]]]
    public var background: [String: [Pollutant: Double]]

    public init(byParty: [String: [Pollutant: [String: Double]]] = [:], background: [String: [Pollutant: Double]] = [:]) {
        self.byParty = byParty
        self.background = background
    }
}

/// One transfer of money, in whole fen.
public struct LedgerEntry: Sendable, Equatable, Codable {
    public var period: String
    public var section: String
    public var payer: String
    public var payee: String
    /// The amount in fen (0.01 yuan).
    public var fen: Int64
    /// The amount in yuan (exact to the fen).
    public var amount: Double { Money.yuan(fen) }
    public var rule: String
    /// The figures it rests on.
    public var measured: String
    public var target: String
    public var excess: String
    public var shares: String
    /// Names of the parties, filled in when the ledger is written (`PartyNames`).
    public var payerName = ""
    public var payeeName = ""

    public init(period: String, section: String, payer: String, payee: String, fen: Int64, rule: String, measured: String,
                target: String, excess: String, shares: String) {
        self.period = period
        self.section = section
        self.payer = payer
        self.payee = payee
        self.fen = fen
        self.rule = rule
        self.measured = measured
        self.target = target
        self.excess = excess
        self.shares = shares
    }

    enum CodingKeys: String, CodingKey {
        case period, section, payer, payee, amount, rule, measured, target, excess, shares
        case payerName = "payer_name", payeeName = "payee_name"
    }

    /// The amount is a JSON number of yuan holding a whole number of fen (exact below 10^13 yuan).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let yuan = try c.decode(Double.self, forKey: .amount)
        guard let fen = Money.fen(readBack: yuan) else {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: c, debugDescription: "amount \(yuan) is not a sum of money below 10^13 yuan")
        }
        self.init(period: try c.decode(String.self, forKey: .period), section: try c.decode(String.self, forKey: .section),
                  payer: try c.decode(String.self, forKey: .payer), payee: try c.decode(String.self, forKey: .payee), fen: fen,
                  rule: try c.decode(String.self, forKey: .rule), measured: try c.decode(String.self, forKey: .measured),
                  target: try c.decode(String.self, forKey: .target), excess: try c.decode(String.self, forKey: .excess),
                  shares: try c.decode(String.self, forKey: .shares))
        payerName = try c.decodeIfPresent(String.self, forKey: .payerName) ?? ""
        payeeName = try c.decodeIfPresent(String.self, forKey: .payeeName) ?? ""
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(period, forKey: .period)
        try c.encode(section, forKey: .section)
        try c.encode(payer, forKey: .payer)
        try c.encode(payerName, forKey: .payerName)
        try c.encode(payee, forKey: .payee)
        try c.encode(payeeName, forKey: .payeeName)
        try c.encode(amount, forKey: .amount)
        try c.encode(rule, forKey: .rule)
        try c.encode(measured, forKey: .measured)
        try c.encode(target, forKey: .target)
        try c.encode(excess, forKey: .excess)
        try c.encode(shares, forKey: .shares)
    }
}

/// The settlement of a scheme for its year: every transfer, what could not be assessed, net balances.
public struct Settlement: Sendable {
    public var entries: [LedgerEntry]
    /// Missing monitoring, one line each (section, period, what is missing).
    public var gaps: [String]
    public var notes: [String]
    public var currency: String

    /// Received − paid per party in fen ("fund" included for pooled funds); they sum to zero.
    public var balanceFen: [String: Int64] {
        var b: [String: Int64] = [:]
        for e in entries { b[e.payer, default: 0] -= e.fen; b[e.payee, default: 0] += e.fen }
        return b
    }

    /// Received − paid per party in yuan.
    public var balances: [String: Double] { balanceFen.mapValues(Money.yuan) }

    public var totalPaidFen: Int64 { entries.reduce(0) { $0 + $1.fen } }
    public var fundIntakeFen: Int64 { entries.filter { $0.payee == Settlement.fund }.reduce(0) { $0 + $1.fen } }
    public var fundPayoutFen: Int64 { entries.filter { $0.payer == Settlement.fund }.reduce(0) { $0 + $1.fen } }
    public var totalPaid: Double { Money.yuan(totalPaidFen) }
    public var fundIntake: Double { Money.yuan(fundIntakeFen) }
    public var fundPayout: Double { Money.yuan(fundPayoutFen) }

    /// What one party paid and received over the year, and the difference, in yuan (exact to the fen).
    public struct PartyTotal: Sendable, Equatable {
        public var party: String
        public var paidFen: Int64
        public var receivedFen: Int64
        public var paid: Double { Money.yuan(paidFen) }
        public var received: Double { Money.yuan(receivedFen) }
        public var net: Double { Money.yuan(receivedFen - paidFen) }
        public init(party: String, paidFen: Int64, receivedFen: Int64) {
            self.party = party
            self.paidFen = paidFen
            self.receivedFen = receivedFen
        }
    }

    /// Paid and received per party, in party order (the rows of balances.csv).
    public var partyTotals: [PartyTotal] { Settlement.partyTotals(entries) }

    public static func partyTotals(_ entries: [LedgerEntry]) -> [PartyTotal] {
        var paid: [String: Int64] = [:], received: [String: Int64] = [:]
        for e in entries { paid[e.payer, default: 0] += e.fen; received[e.payee, default: 0] += e.fen }
        return Set(paid.keys).union(received.keys).sorted().map { PartyTotal(party: $0, paidFen: paid[$0] ?? 0, receivedFen: received[$0] ?? 0) }
    }
    public static let fund = "fund"

    public static func compute(_ scheme: Scheme, monitoring: MonitoringData, attributed: AttributedLoads?) throws -> Settlement {
        var s = Settlement(entries: [], gaps: [], notes: [], currency: scheme.currency)
        for rule in scheme.rules {
            switch rule {
            case .monthly(let r): try s.monthly(r, scheme, monitoring, attributed)
            case .quantity(let r): try s.quantity(r, scheme, monitoring)
            case .index(let r): try s.index(r, scheme, monitoring)
            case .fund(let r): try s.fund(r, scheme, monitoring)
            case .load(let r): try s.loadTargets(r, scheme, monitoring, attributed)
            }
        }
        return s
    }

    // MARK: rules

    /// One payment: `amount` yuan rounded to the fen, split among the payers by their weights and each
    /// payer's part among the payees by theirs, both by largest remainder, so the rows sum to the payment.
    mutating func transfer(_ period: String, _ section: String, payers: [(String, Double)], payees: [(String, Double)],
                           amount: Double, rule: String, line: String, measured: String, target: String, excess: String, shares: String) throws {
        try transfer(period, section, payers: payers, payees: payees, fen: try Money.fen(amount, at: line), rule: rule,
                     measured: measured, target: target, excess: excess, shares: shares)
    }

    mutating func transfer(_ period: String, _ section: String, payers: [(String, Double)], payees: [(String, Double)],
                           fen: Int64, rule: String, measured: String, target: String, excess: String, shares: String) throws {
        guard fen > 0 else { return }
        for (payer, part) in Money.split(fen, by: payers.map { ($0.0, $0.1) }) where part > 0 {
            for (payee, piece) in Money.split(part, by: payees.map { ($0.0, $0.1) }) where piece > 0 {
                entries.append(LedgerEntry(period: period, section: section, payer: payer, payee: payee, fen: piece,
                                           rule: rule, measured: measured, target: target, excess: excess, shares: shares))
            }
        }
    }

    func equal(_ parties: [String]) -> [(String, Double)] { parties.map { ($0, 1 / Double(parties.count)) } }

    func describe(_ values: [Pollutant: Double], _ order: [Pollutant]) -> String {
        order.compactMap { p in values[p].map { "\(p.name) \(fmtShort($0))" } }.joined(separator: "; ")
    }

    private mutating func monthly(_ r: Scheme.MonthlyRule, _ scheme: Scheme, _ monitoring: MonitoringData, _ attributed: AttributedLoads?) throws {
        for id in r.sections {
            guard let section = scheme.section(id) else { continue }
            let upstream = scheme.upstreamParties(of: section)
            let targetText = section.parameters.map { "\($0.name) \(section.targetLabels[$0] ?? "")" }.joined(separator: "; ")
            for period in MonitoringData.months(of: scheme.year) {
                let key = MonitoringData.Key(section: id, period: period)
                let values = monitoring.concentrations[key] ?? [:]
                let missing = section.parameters.filter { values[$0] == nil }
                if !missing.isEmpty {
                    gaps.append("\(id) \(period): no \(missing.map(\.name).joined(separator: ", ")) measurement")
                    continue
                }
                let measured = describe(values, section.parameters)
                let exceeded = section.parameters.filter { p in
                    guard let c = values[p], let t = section.targets[p] else { return false }
                    return !GB3838.meets(p, concentration: c, limit: t)
                }
                if exceeded.isEmpty {
                    try transfer(period, id, payers: equal(section.downstream), payees: equal(upstream), amount: r.amountMet,
                                 rule: "monthly_two_way met (\(short(r.line)))", line: r.line, measured: measured, target: targetText,
                                 excess: "", shares: "equal")
                    continue
                }
                var ratio = 0.0
                var excessCost: [Pollutant: Double] = [:]
                var excessText: [String] = []
                let volume = monitoring.volumes[key]
                for p in exceeded {
                    guard let c = values[p], let t = section.targets[p] else { continue }
                    let over = p.name == "DO" ? (t - c) / t : (c - t) / t
                    ratio = max(ratio, over)
                    if r.mode == .excessLoad, p.name != "DO", let volume {
                        let kg = (c - t) * volume / 1000
                        excessCost[p] = kg * (r.unitPrice[p] ?? 0)
                        excessText.append("\(p.name) +\(fmtShort(over * 100))% (\(fmtShort(kg)) kg)")
                    } else {
                        excessText.append("\(p.name) +\(fmtShort(over * 100))%")
                    }
                }
                let counted = min(ratio, r.ratioCap ?? .infinity)
                if counted < ratio { excessText.append("ratio capped at \(fmtShort(counted))") }
                let amount: Double
                switch r.mode {
                case .fixed: amount = r.amountMissed
                case .exceedanceRatio: amount = r.amountMissed * counted
                case .basePlusRatio: amount = r.amountMissed * (1 + counted)
                case .excessLoad:
                    guard volume != nil else {
                        gaps.append("\(id) \(period): no flow or volume, so the excess load cannot be priced")
                        continue
                    }
                    amount = excessCost.orderedSum
                }
                let worth: (Pollutant) -> Double = { p in
                    if r.mode == .excessLoad, let v = volume { return (r.unitPrice[p] ?? 0) * v / 1000 }
                    return 1 / max(section.targets[p] ?? 1, 1e-12)
                }
                let weights = splitWeights(r.split, parties: upstream, section: id, exceeded: exceeded, measured: values,
                                           targets: section.targets, worth: worth, attributed: attributed, line: r.line)
                let shareText = weights.map { "\($0.0) \(fmtShort($0.1))" }.joined(separator: "; ")
                try transfer(period, id, payers: weights, payees: equal(section.downstream), amount: amount,
                             rule: "monthly_two_way missed, \(r.mode.rawValue), split \(r.split.rawValue) (\(short(r.line)))", line: r.line,
                             measured: measured, target: targetText, excess: excessText.joined(separator: "; "), shares: shareText)
            }
        }
    }

    /// How a payment is split among upstream parties: equally, in proportion to each party's part of
    /// the priced excess, or by Shapley value of the priced excess. Each party's part of a measured
    /// quantity (concentration or load) is the measured value × its attributed load ÷ the section's
    /// attributed total (background included); `worth(p)` is the money per unit of `p` above its target.
    mutating func splitWeights(_ split: Scheme.Split, parties: [String], section: String, exceeded: [Pollutant],
                               measured values: [Pollutant: Double], targets: [Pollutant: Double], worth: (Pollutant) -> Double,
                               attributed: AttributedLoads?, line: String) -> [(String, Double)] {
        guard parties.count > 1, split != .equal else { return equal(parties) }
        guard let loads = attributed?.byParty[section] else {
            notes.append("\(section): no attributed loads, so payments are split equally (\(line))")
            return equal(parties)
        }
        // Each party's contribution to the measured value, in proportion to its attributed load.
        var contribution: [Pollutant: [Double]] = [:]
        var background: [Pollutant: Double] = [:]
        for p in exceeded {
            let byParty = parties.map { loads[p]?[$0] ?? 0 }
            let rest = attributed?.background[section]?[p] ?? 0
            let total = byParty.reduce(0, +) + rest
            let c = values[p] ?? 0
            contribution[p] = byParty.map { total > 0 ? c * $0 / total : 0 }
            background[p] = total > 0 ? c * rest / total : c
        }
        var w: [Double]
        switch split {
        case .proportional:
            w = [Double](repeating: 0, count: parties.count)
            for p in exceeded {
                let c = contribution[p] ?? []
                let sum = c.reduce(0, +)
                guard sum > 0 else { continue }
                let excess = worth(p) * abs((values[p] ?? 0) - (targets[p] ?? 0))
                for i in 0..<parties.count { w[i] += excess * c[i] / sum }
            }
        case .shapley:
            let result = Shapley.values(parties: parties.count) { members in
                var total = 0.0
                for p in exceeded {
                    let c = contribution[p] ?? []
                    var level = background[p] ?? 0
                    for i in 0..<parties.count where members[i] { level += c[i] }
                    let empty = background[p] ?? 0
                    let t = targets[p] ?? 0
                    total += worth(p) * (max(0, level - t) - max(0, empty - t))
                }
                return total
            }
            if !result.exact {
                notes.append("\(section): Shapley values sampled for \(parties.count) parties; largest standard error \(fmtShort(result.standardErrors.max() ?? 0))")
            }
            w = result.values
        case .equal:
            w = [Double](repeating: 1, count: parties.count)
        }
        let total = w.reduce(0, +)
        guard total > 0 else { return equal(parties) }
        return zip(parties, w.map { $0 / total }).map { ($0, $1) }
    }

    private mutating func quantity(_ r: Scheme.QuantityRule, _ scheme: Scheme, _ monitoring: MonitoringData) throws {
        for id in r.sections {
            guard let section = scheme.section(id) else { continue }
            let upstream = scheme.upstreamParties(of: section)
            for period in MonitoringData.months(of: scheme.year) {
                let key = MonitoringData.Key(section: id, period: period)
                if let target = r.monthlyVolume {
                    try twoWayQuantity(period, section, upstream: upstream, measured: monitoring.volumes[key], target: target, amount: r.amountVolume,
                                       what: "volume", unit: "m3", missing: "no monthly volume", line: r.line)
                }
                if let target = r.ecologicalFlow {
                    try twoWayQuantity(period, section, upstream: upstream, measured: monitoring.minimumFlows[key], target: target, amount: r.amountFlow,
                                       what: "minimum discharge against the ecological flow", unit: "m3/s", missing: "no minimum discharge", line: r.line)
                }
            }
        }
    }

    /// A quantity at least its target moves `amount` from downstream to upstream; short of it, the reverse.
    private mutating func twoWayQuantity(_ period: String, _ section: Scheme.Section, upstream: [String], measured: Double?, target: Double,
                                         amount: Double, what: String, unit: String, missing: String, line: String) throws {
        guard let value = measured else {
            gaps.append("\(section.id) \(period): \(missing)")
            return
        }
        let met = value >= target
        try transfer(period, section.id, payers: equal(met ? section.downstream : upstream), payees: equal(met ? upstream : section.downstream),
                     amount: amount, rule: "water_quantity \(what) \(met ? "met" : "missed") (\(short(line)))", line: line,
                     measured: "\(fmtShort(value)) \(unit)", target: "\(fmtShort(target)) \(unit)",
                     excess: met ? "" : "short \(fmtShort(target - value)) \(unit)", shares: "equal")
    }

    private mutating func index(_ r: Scheme.IndexRule, _ scheme: Scheme, _ monitoring: MonitoringData) throws {
        for id in r.sections {
            guard let section = scheme.section(id) else { continue }
            let upstream = scheme.upstreamParties(of: section)
            var sum = 0.0
            var measured: [String] = []
            var complete = true
            for p in r.parameters {
                guard let mean = monitoring.annualMean(id, p, year: scheme.year) else {
                    gaps.append("\(id) \(scheme.year): no \(p.name) measurement for the index rule")
                    complete = false
                    continue
                }
                if mean.months < 12 { gaps.append("\(id) \(scheme.year): \(p.name) annual mean from \(mean.months) of 12 months") }
                guard let reference = r.reference[p] ?? section.targets[p] else {
                    throw HydroError(.invalidInput, r.line, "index rule needs a reference concentration for \(p.name) (reference = { \(p.name) = … })")
                }
                sum += mean.mean / reference
                measured.append("\(p.name) \(fmtShort(mean.mean)) / \(fmtShort(reference))")
            }
            guard complete else { continue }
            let index = r.k0 * sum / Double(r.parameters.count)
            let met = index <= 1
            try transfer(String(scheme.year), id, payers: equal(met ? section.downstream : upstream), payees: equal(met ? upstream : section.downstream),
                         amount: r.amount, rule: "index P = K0·Σ(Ci/Ci0)/n = \(fmtShort(index)) with K0 = \(r.k0) (\(short(r.line)))", line: r.line,
                         measured: measured.joined(separator: "; "), target: "P <= 1", excess: met ? "" : "P - 1 = \(fmtShort(index - 1))", shares: "equal")
        }
    }

    /// The pooled fund: the total (to the fen) is paid in by the contribution ratios and paid out by
    /// the allocation ratios, each split by largest remainder, so intake and payout are both the total.
    /// A failing section moves weight × the bearers' allocation (× failed ÷ assessed parameters under
    /// `failed_share`) from the bearers to the recipients.
    private mutating func fund(_ r: Scheme.FundRule, _ scheme: Scheme, _ monitoring: MonitoringData) throws {
        let year = String(scheme.year)
        let total = try Money.fen(r.total, at: r.line)
        let contributions = r.contributions.sorted { $0.key < $1.key }, allocations = r.allocation.sorted { $0.key < $1.key }
        let ratioText = contributions.map { "\($0.key):\(fmtShort($0.value))" }.joined(separator: " ")
        for (party, part) in Money.split(total, by: contributions.map { ($0.key, $0.value) }) {
            try transfer(year, "", payers: [(party, 1)], payees: [(Settlement.fund, 1)], fen: part,
                         rule: "pooled_fund contribution \(ratioText) (\(short(r.line)))", measured: "", target: "", excess: "", shares: "")
        }
        for (party, part) in Money.split(total, by: allocations.map { ($0.key, $0.value) }) {
            try transfer(year, "", payers: [(Settlement.fund, 1)], payees: [(party, 1)], fen: part,
                         rule: "pooled_fund allocation (\(short(r.line)))", measured: "", target: "", excess: "", shares: "")
        }
        // The exact allocation of each party (yuan), on which deductions are reckoned.
        let allocated = r.allocation.orderedSum
        var allocation: [String: Double] = [:]
        for (party, ratio) in r.allocation { allocation[party] = r.total * ratio / allocated }
        for failure in r.failures {
            guard let section = scheme.section(failure.section) else { continue }
            var failed: [Pollutant] = []
            var measured: [String] = []
            var complete = true
            for p in section.parameters {
                guard let mean = monitoring.annualMean(section.id, p, year: scheme.year), let t = section.targets[p] else {
                    gaps.append("\(section.id) \(year): no \(p.name) measurement for the pooled fund")
                    complete = false
                    continue
                }
                measured.append("\(p.name) \(fmtShort(mean.mean))")
                if !GB3838.meets(p, concentration: mean.mean, limit: t) { failed.append(p) }
            }
            guard complete, !failed.isEmpty else { continue }
            let bearers = failure.bearers.sorted { $0.key < $1.key }, recipients = failure.recipients.sorted { $0.key < $1.key }
            let bearerTotal = failure.bearers.orderedSum
            let base = bearers.reduce(0.0) { $0 + (allocation[$1.key] ?? 0) * $1.value / bearerTotal }
            let share = failure.deduction == .failedShare ? Double(failed.count) / Double(section.parameters.count) : 1
            let deduction = failure.weight * base * share
            let how = failure.deduction == .failedShare
                ? "weight \(fmtShort(failure.weight)) × \(failed.count)/\(section.parameters.count) parameters failed"
                : "weight \(fmtShort(failure.weight))"
            try transfer(year, section.id, payers: bearers.map { ($0.key, $0.value) }, payees: recipients.map { ($0.key, $0.value) },
                         amount: deduction, rule: "pooled_fund section failure, \(how) (\(short(failure.line)))", line: failure.line,
                         measured: measured.joined(separator: "; "),
                         target: section.parameters.map { "\($0.name) \(section.targetLabels[$0] ?? "")" }.joined(separator: "; "),
                         excess: "annual mean misses the target: \(failed.map(\.name).joined(separator: ", "))", shares: "")
        }
    }
}
