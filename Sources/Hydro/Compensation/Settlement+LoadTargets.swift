extension Settlement {
    /// Loads at a section against its load targets. The measured load of a month is concentration ×
    /// monthly volume (mg/L × m³ = g, ÷ 1000 for kg); a yearly target is judged on the sum of the
    /// twelve months and needs all twelve. The excess load (measured − target, kg) of each pollutant
    /// is priced per kg and the payment split among the upstream parties: equally, by their shares of
    /// the attributed load (each party's excess kg = excess × its share), or by Shapley value.
    /// A period meeting every load target moves `amountMet` from downstream to upstream.
    mutating func loadTargets(_ r: Scheme.LoadRule, _ scheme: Scheme, _ monitoring: MonitoringData, _ attributed: AttributedLoads?) throws {
        for id in r.sections {
            guard let section = scheme.section(id), let period = section.loadTargets.values.first?.period else { continue }
            let pollutants = section.loadTargets.keys.sorted()
            let upstream = scheme.upstreamParties(of: section)
            let targets = section.loadTargets.mapValues(\.kilograms)
            let targetText = pollutants.map { p in
                let t = section.loadTargets[p]
                return "\(p.name) \(t?.label ?? "") (\(fmtShort(t?.kilograms ?? 0)) kg)"
            }.joined(separator: "; ")
            let periods: [(label: String, months: [String])] = period == .month
                ? MonitoringData.months(of: scheme.year).map { ($0, [$0]) }
                : [(String(scheme.year), MonitoringData.months(of: scheme.year))]
            for (label, months) in periods {
                var measured: [Pollutant: Double] = [:]
                var missing: [String] = []
                for p in pollutants {
                    var kg = 0.0
                    for month in months {
                        let key = MonitoringData.Key(section: id, period: month)
                        guard let c = monitoring.concentrations[key]?[p], let v = monitoring.volumes[key] else {
                            missing.append("\(p.name) \(month)")
                            continue
                        }
                        kg += c * v / 1000
                    }
                    measured[p] = kg
                }
                if !missing.isEmpty {
                    let what = missing.count > 4 ? missing.prefix(4).joined(separator: ", ") + " and \(missing.count - 4) more" : missing.joined(separator: ", ")
                    gaps.append("\(id) \(label): no concentration or volume for \(what), so the load is not assessed")
                    continue
                }
                let measuredText = pollutants.map { "\($0.name) \(fmtShort(measured[$0] ?? 0)) kg" }.joined(separator: "; ")
                let exceeded = pollutants.filter { (measured[$0] ?? 0) > (targets[$0] ?? 0) }
                if exceeded.isEmpty {
                    try transfer(label, id, payers: equal(section.downstream), payees: equal(upstream), amount: r.amountMet,
                                 rule: "load_target met (\(short(r.line)))", line: r.line, measured: measuredText, target: targetText,
                                 excess: "", shares: "equal")
                    continue
                }
                let excess = Dictionary(uniqueKeysWithValues: exceeded.map { ($0, (measured[$0] ?? 0) - (targets[$0] ?? 0)) })
                let amount = exceeded.reduce(0.0) { $0 + (excess[$1] ?? 0) * (r.unitPrice[$1] ?? 0) }
                let weights = splitWeights(r.split, parties: upstream, section: id, exceeded: exceeded, measured: measured,
                                           targets: targets, worth: { r.unitPrice[$0] ?? 0 }, attributed: attributed, line: r.line)
                // Each party's part of the excess load, where the split is by attributed load.
                var shareText = weights.map { "\($0.0) \(fmtShort($0.1))" }.joined(separator: "; ")
                if r.split == .proportional, let loads = attributed?.byParty[id] {
                    shareText = upstream.map { party in
                        let kg = exceeded.map { p -> String in
                            let all = upstream.reduce(0.0) { $0 + (loads[p]?[$1] ?? 0) }
                            let own = loads[p]?[party] ?? 0
                            return "\(p.name) \(fmtShort(all > 0 ? (excess[p] ?? 0) * own / all : 0)) kg"
                        }
                        return "\(party) \(fmtShort(weights.first { $0.0 == party }?.1 ?? 0)) (\(kg.joined(separator: ", ")))"
                    }.joined(separator: "; ")
                }
                try transfer(label, id, payers: weights, payees: equal(section.downstream), amount: amount,
                             rule: "load_target missed, split \(r.split.rawValue) (\(short(r.line)))", line: r.line,
                             measured: measuredText, target: targetText,
                             excess: exceeded.map { "\($0.name) +\(fmtShort(excess[$0] ?? 0)) kg × \(fmtShort(r.unitPrice[$0] ?? 0))/kg" }.joined(separator: "; "),
                             shares: shareText)
            }
        }
    }
}
