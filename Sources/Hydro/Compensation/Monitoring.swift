import Foundation

/// Monthly monitoring at assessment sections: concentrations (mg/L) and flow or volume.
public struct MonitoringData: Sendable {
    public struct Key: Hashable, Sendable {
        public var section: String
        public var period: String

        public init(section: String, period: String) {
            self.section = section
            self.period = period
        }
    }

    public var file: String
    public var concentrations: [Key: [Pollutant: Double]]
    /// Monthly volume, m³ (given, or mean flow × seconds in the month).
    public var volumes: [Key: Double]
    /// Monthly minimum discharge, m³/s.
    public var minimumFlows: [Key: Double]

    public init(file: String = "", concentrations: [Key: [Pollutant: Double]] = [:], volumes: [Key: Double] = [:], minimumFlows: [Key: Double] = [:]) {
        self.file = file
        self.concentrations = concentrations
        self.volumes = volumes
        self.minimumFlows = minimumFlows
    }

    /// Reads a CSV with columns section, period (YYYY-MM), parameter, concentration (mg/L), and
    /// optionally flow_m3s (monthly mean), volume_m3 (monthly total), min_flow_m3s.
    public static func load(_ path: String) throws -> MonitoringData {
        try read(try CSVTable.load(path), file: path)
    }

    /// The same checks on text already in memory (an upload); errors name `file` and the line.
    public static func parse(_ text: String, file: String) throws -> MonitoringData {
        try read(try CSVTable.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, file: file), file: file)
    }

    private static func read(_ table: CSVTable, file path: String) throws -> MonitoringData {
        let sectionColumn = try table.column("section", "section_id")
        let periodColumn = try table.column("period", "month")
        let parameterColumn = try table.column("parameter", "pollutant")
        let valueColumn = try table.column("concentration", "concentration_mg_l", "value")
        let flowColumn = table.optionalColumn("flow_m3s", "flow")
        let volumeColumn = table.optionalColumn("volume_m3", "volume")
        let minimumColumn = table.optionalColumn("min_flow_m3s", "minimum_flow_m3s")
        var data = MonitoringData(file: path)
        for row in 0..<table.rows.count {
            let fields = table.rows[row]
            let period = fields[periodColumn]
            guard Self.daysInMonth(period) != nil else {
                throw HydroError(.invalidInput, table.location(row), "period '\(ConfigText.clip(period))' is not YYYY-MM (e.g. 2024-01)")
            }
            let key = Key(section: fields[sectionColumn], period: period)
            if !fields[parameterColumn].isEmpty && !fields[valueColumn].isEmpty {
                let p = try Pollutant(parsing: fields[parameterColumn], parameter: table.location(row))
                let c = try table.number(row, valueColumn)
                guard c >= 0 else { throw HydroError(.invalidInput, table.location(row), "concentration must not be negative") }
                if let earlier = data.concentrations[key]?[p], earlier != c {
                    throw HydroError(.invalidInput, table.location(row), "\(p.name) at \(key.section) in \(period) is given twice (\(earlier) and \(c))")
                }
                data.concentrations[key, default: [:]][p] = c
            }
            func quantity(_ column: Int) throws -> Double {
                let v = try table.number(row, column)
                guard v >= 0 else { throw HydroError(.invalidInput, table.location(row), "'\(table.header[column])' is \(v); flows and volumes must not be negative") }
                return v
            }
            if let v = volumeColumn, !fields[v].isEmpty {
                data.volumes[key] = try quantity(v)
            } else if let f = flowColumn, !fields[f].isEmpty, let days = Self.daysInMonth(period) {
                data.volumes[key] = try quantity(f) * Double(days) * 86400
            }
            if let m = minimumColumn, !fields[m].isEmpty {
                data.minimumFlows[key] = try quantity(m)
            } else if let f = flowColumn, !fields[f].isEmpty, data.minimumFlows[key] == nil {
                data.minimumFlows[key] = try quantity(f)
            }
        }
        return data
    }

    public static func daysInMonth(_ period: String) -> Int? {
        let parts = period.split(separator: "-")
        // Exactly YYYY-MM: "2024-1" would never match the months a scheme settles, and be dropped.
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month), year > 1900 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    public static func months(of year: Int) -> [String] { (1...12).map { String(format: "%04d-%02d", year, $0) } }

    /// Annual mean concentration over the months present, and how many months there were.
    public func annualMean(_ section: String, _ p: Pollutant, year: Int) -> (mean: Double, months: Int)? {
        let values = Self.months(of: year).compactMap { concentrations[Key(section: section, period: $0)]?[p] }
        guard !values.isEmpty else { return nil }
        return (values.reduce(0, +) / Double(values.count), values.count)
    }
}
