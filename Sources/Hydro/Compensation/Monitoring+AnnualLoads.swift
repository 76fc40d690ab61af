/// A mean annual load at a monitored section, estimated from its monthly samples, with the months
/// it rests on and the months it had to do without.
public struct MonitoredAnnualLoad: Sendable, Equatable {
    public var section: String
    public var pollutant: Pollutant
    /// Mean monthly load over the months used × 12, kg/yr.
    public var kgPerYear: Double
    /// Months (YYYY-MM) with both a concentration and a flow or volume.
    public var monthsUsed: [String]
    /// Months of the same calendar years without one of them.
    public var monthsMissing: [String]
}

extension MonitoringData {
    /// Mean annual loads per section and pollutant from the monthly concentration (mg/L = g/m³)
    /// times the month's volume (m³): Σ cᵢVᵢ / 1000 kg over the months that have both, divided by
    /// their number and multiplied by 12. The calendar years a section's records touch define the
    /// months it should have; those without a usable pair are listed as missing. Sections and
    /// pollutants come sorted; a pair without any usable month is left out (it has no load).
    public func annualLoads() -> [MonitoredAnnualLoad] {
        var years: [String: Set<Int>] = [:]
        var pollutants: [String: Set<Pollutant>] = [:]
        for (key, values) in concentrations {
            if let year = Int(key.period.prefix(4)) { years[key.section, default: []].insert(year) }
            pollutants[key.section, default: []].formUnion(values.keys)
        }
        var loads: [MonitoredAnnualLoad] = []
        for section in pollutants.keys.sorted() {
            let months = (years[section] ?? []).sorted().flatMap(Self.months(of:))
            for p in (pollutants[section] ?? []).sorted() {
                var used: [String] = [], missing: [String] = []
                var total = 0.0
                for month in months {
                    let key = Key(section: section, period: month)
                    if let c = concentrations[key]?[p], let v = volumes[key] {
                        total += c * v / 1000
                        used.append(month)
                    } else {
                        missing.append(month)
                    }
                }
                guard !used.isEmpty else { continue }
                loads.append(MonitoredAnnualLoad(section: section, pollutant: p, kgPerYear: total / Double(used.count) * 12,
                                                 monthsUsed: used, monthsMissing: missing))
            }
        }
        return loads
    }
}
