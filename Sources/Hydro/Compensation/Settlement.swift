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

/// One transfer of money.
public struct LedgerEntry: Sendable, Codable, Equatable {
    public var period: String
    public var section: String
    public var payer: String
    public var payee: String
    public var amount: Double
    public var rule: String
    /// The figures it rests on.
    public var measured: String
    public var target: String
    public var excess: String
    public var shares: String
}

/// The settlement of a scheme for its year: every transfer, what could not be assessed, net balances.
public struct Settlement: Sendable {
    public var entries: [LedgerEntry]
    /// Missing monitoring, one line each (section, period, what is missing).
    public var gaps: [String]
    public var notes: [String]
    public var currency: String

    /// Received − paid per party ("fund" included for pooled funds).
    public var balances: [String: Double] {
        var b: [String: Double] = [:]
        for e in entries { b[e.payer, default: 0] -= e.amount; b[e.payee, default: 0] += e.amount }  // entries are in a fixed order
        return b
    }

    public var totalPaid: Double { entries.reduce(0) { $0 + $1.amount } }
    public var fundIntake: Double { entries.filter { $0.payee == Settlement.fund }.reduce(0) { $0 + $1.amount } }
    public var fundPayout: Double { entries.filter { $0.payer == Settlement.fund }.reduce(0) { $0 + $1.amount } }
    public static let fund = "fund"

    public static func compute(_ scheme: Scheme, monitoring: MonitoringData, attributed: AttributedLoads?) throws -> Settlement {
        var s = Settlement(entries: [], gaps: [], notes: [], currency: scheme.currency)
        for rule in scheme.rules {
            switch rule {
            case .monthly(let r): try s.monthly(r, scheme, monitoring, attributed)
            case .quantity(let r): s.quantity(r, scheme, monitoring)
            case .index(let r): try s.index(r, scheme, monitoring)
            case .fund(let r): s.fund(r, scheme, monitoring)
            }
        }
        return s
    }

    // MARK: rules

    private mutating func transfer(_ period: String, _ section: String, payers: [(String, Double)], payees: [(String, Double)],
                                   amount: Double, rule: String, measured: String, target: String, excess: String, shares: String) {
        guard amount > 0 else { return }
        for (payer, wp) in payers where wp > 0 {
            for (payee, wr) in payees where wr > 0 {
                entries.append(LedgerEntry(period: period, section: section, payer: payer, payee: payee, amount: amount * wp * wr,
                                           rule: rule, measured: measured, target: target, excess: excess, shares: shares))
            }
        }
    }

    private func equal(_ parties: [String]) -> [(String, Double)] { parties.map { ($0, 1 / Double(parties.count)) } }

    private func describe(_ values: [Pollutant: Double], _ order: [Pollutant]) -> String {
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
                    transfer(period, id, payers: equal(section.downstream), payees: equal(upstream), amount: r.amountMet,
                             rule: "monthly_two_way met (\(short(r.line)))", measured: measured, target: targetText, excess: "", shares: "equal")
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
                let amount: Double
                switch r.mode {
                case .fixed: amount = r.amountMissed
                case .exceedanceRatio: amount = r.amountMissed * ratio
                case .excessLoad:
                    guard volume != nil else {
                        gaps.append("\(id) \(period): no flow or volume, so the excess load cannot be priced")
                        continue
                    }
                    amount = excessCost.orderedSum
                }
                let weights = try splitWeights(r.split, parties: upstream, section: section, exceeded: exceeded, values: values,
                                               cost: r.mode == .excessLoad ? excessCost : nil, volume: volume, attributed: attributed, rule: r)
                let shareText = weights.map { "\($0.0) \(fmtShort($0.1))" }.joined(separator: "; ")
                transfer(period, id, payers: weights, payees: equal(section.downstream), amount: amount,
                         rule: "monthly_two_way missed, \(r.mode.rawValue), split \(r.split.rawValue) (\(short(r.line)))",
                         measured: measured, target: targetText, excess: excessText.joined(separator: "; "), shares: shareText)
            }
        }
    }

    /// How a payment is split among upstream parties.
    private mutating func splitWeights(_ split: Scheme.Split, parties: [String], section: Scheme.Section, exceeded: [Pollutant],
                                       values: [Pollutant: Double], cost: [Pollutant: Double]?, volume: Double?,
                                       attributed: AttributedLoads?, rule: Scheme.MonthlyRule) throws -> [(String, Double)] {
        guard parties.count > 1, split != .equal else { return equal(parties) }
        guard let loads = attributed?.byParty[section.id] else {
            notes.append("\(section.id): no attributed loads, so payments are split equally (\(rule.line))")
            return equal(parties)
        }
        // Each party's contribution to the measured concentration, in proportion to its attributed load.
        var contribution: [Pollutant: [Double]] = [:]
        var background: [Pollutant: Double] = [:]
        for p in exceeded {
            let byParty = parties.map { loads[p]?[$0] ?? 0 }
            let rest = attributed?.background[section.id]?[p] ?? 0
            let total = byParty.reduce(0, +) + rest
            let c = values[p] ?? 0
            contribution[p] = byParty.map { total > 0 ? c * $0 / total : 0 }
            background[p] = total > 0 ? c * rest / total : c
        }
        // Worth of a unit of concentration above the target: priced per kg of excess load, or per unit of exceedance ratio.
        func weight(_ p: Pollutant) -> Double {
            if cost != nil, let v = volume { return (rule.unitPrice[p] ?? 0) * v / 1000 }
            return 1 / max(section.targets[p] ?? 1, 1e-12)
        }
        // How much each exceeded pollutant weighs in the proportional split: its priced excess, or its exceedance ratio.
        func excessWeight(_ p: Pollutant) -> Double {
            let c = values[p] ?? 0, t = section.targets[p] ?? 0
            return weight(p) * abs(c - t)
        }
        var w: [Double]
        switch split {
        case .proportional:
            w = [Double](repeating: 0, count: parties.count)
            for p in exceeded {
                let c = contribution[p] ?? []
                let sum = c.reduce(0, +)
                guard sum > 0 else { continue }
                for i in 0..<parties.count { w[i] += excessWeight(p) * c[i] / sum }
            }
        case .shapley:
            let result = Shapley.values(parties: parties.count) { members in
                var worth = 0.0
                for p in exceeded {
                    let c = contribution[p] ?? []
                    var level = background[p] ?? 0
                    for i in 0..<parties.count where members[i] { level += c[i] }
                    let empty = background[p] ?? 0
                    let t = section.targets[p] ?? 0
                    worth += weight(p) * (max(0, level - t) - max(0, empty - t))
                }
                return worth
            }
            if !result.exact {
                notes.append("\(section.id): Shapley values sampled for \(parties.count) parties; largest standard error \(fmtShort(result.standardErrors.max() ?? 0))")
            }
            w = result.values
        case .equal:
            w = [Double](repeating: 1, count: parties.count)
        }
        let total = w.reduce(0, +)
        guard total > 0 else { return equal(parties) }
        return zip(parties, w.map { $0 / total }).map { ($0, $1) }
    }

    private mutating func quantity(_ r: Scheme.QuantityRule, _ scheme: Scheme, _ monitoring: MonitoringData) {
        for id in r.sections {
            guard let section = scheme.section(id) else { continue }
            let upstream = scheme.upstreamParties(of: section)
            for period in MonitoringData.months(of: scheme.year) {
                let key = MonitoringData.Key(section: id, period: period)
                if let target = r.monthlyVolume {
                    twoWayQuantity(period, section, upstream: upstream, measured: monitoring.volumes[key], target: target, amount: r.amountVolume,
                                   what: "volume", unit: "m3", missing: "no monthly volume", line: r.line)
                }
                if let target = r.ecologicalFlow {
                    twoWayQuantity(period, section, upstream: upstream, measured: monitoring.minimumFlows[key], target: target, amount: r.amountFlow,
                                   what: "minimum discharge against the ecological flow", unit: "m3/s", missing: "no minimum discharge", line: r.line)
                }
            }
        }
    }

    /// A quantity at least its target moves `amount` from downstream to upstream; short of it, the reverse.
    private mutating func twoWayQuantity(_ period: String, _ section: Scheme.Section, upstream: [String], measured: Double?, target: Double,
                                         amount: Double, what: String, unit: String, missing: String, line: String) {
        guard let value = measured else {
            gaps.append("\(section.id) \(period): \(missing)")
            return
        }
        let met = value >= target
        transfer(period, section.id, payers: equal(met ? section.downstream : upstream), payees: equal(met ? upstream : section.downstream),
                 amount: amount, rule: "water_quantity \(what) \(met ? "met" : "missed") (\(short(line)))",
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
            transfer(String(scheme.year), id, payers: equal(met ? section.downstream : upstream), payees: equal(met ? upstream : section.downstream),
                     amount: r.amount, rule: "index P = K0·Σ(Ci/Ci0)/n = \(fmtShort(index)) with K0 = \(r.k0) (\(short(r.line)))",
                     measured: measured.joined(separator: "; "), target: "P <= 1", excess: met ? "" : "P - 1 = \(fmtShort(index - 1))", shares: "equal")
        }
    }

    private mutating func fund(_ r: Scheme.FundRule, _ scheme: Scheme, _ monitoring: MonitoringData) {
        let year = String(scheme.year)
        let paidIn = r.contributions.orderedSum, allocated = r.allocation.orderedSum
        for (party, ratio) in r.contributions.sorted(by: { $0.key < $1.key }) {
            transfer(year, "", payers: [(party, 1)], payees: [(Settlement.fund, 1)], amount: r.total * ratio / paidIn,
                     rule: "pooled_fund contribution \(r.contributions.sorted { $0.key < $1.key }.map { "\($0.key):\(fmtShort($0.value))" }.joined(separator: " ")) (\(short(r.line)))",
                     measured: "", target: "", excess: "", shares: "")
        }
        var allocation: [String: Double] = [:]
        for (party, ratio) in r.allocation { allocation[party] = r.total * ratio / allocated }
        for (party, amount) in allocation.sorted(by: { $0.key < $1.key }) {
            transfer(year, "", payers: [(Settlement.fund, 1)], payees: [(party, 1)], amount: amount,
                     rule: "pooled_fund allocation (\(short(r.line)))", measured: "", target: "", excess: "", shares: "")
        }
        for failure in r.failures {
            guard let section = scheme.section(failure.section) else { continue }
            var failed = false
            var measured: [String] = []
            var complete = true
            for p in section.parameters {
                guard let mean = monitoring.annualMean(section.id, p, year: scheme.year), let t = section.targets[p] else {
                    gaps.append("\(section.id) \(year): no \(p.name) measurement for the pooled fund")
                    complete = false
                    continue
                }
                measured.append("\(p.name) \(fmtShort(mean.mean))")
                if !GB3838.meets(p, concentration: mean.mean, limit: t) { failed = true }
            }
            guard complete, failed else { continue }
            let bearerTotal = failure.bearers.orderedSum, recipientTotal = failure.recipients.orderedSum
            let base = failure.bearers.sorted { $0.key < $1.key }.reduce(0.0) { $0 + (allocation[$1.key] ?? 0) * $1.value / bearerTotal }
            let deduction = failure.weight * base
            transfer(year, section.id, payers: failure.bearers.sorted { $0.key < $1.key }.map { ($0.key, $0.value / bearerTotal) },
                     payees: failure.recipients.sorted { $0.key < $1.key }.map { ($0.key, $0.value / recipientTotal) },
                     amount: deduction, rule: "pooled_fund section failure, weight \(fmtShort(failure.weight)) (\(short(failure.line)))",
                     measured: measured.joined(separator: "; "),
                     target: section.parameters.map { "\($0.name) \(section.targetLabels[$0] ?? "")" }.joined(separator: "; "),
                     excess: "annual mean misses the target", shares: "")
        }
    }
}
