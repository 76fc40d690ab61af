import Foundation

/// GB 3838-2002, Environmental Quality Standards for Surface Water: limits of Classes I–V (mg/L).
/// DO is a minimum (at least); every other parameter is a maximum. TP has stricter limits in lakes
/// and reservoirs; TN is assessed in lakes and reservoirs (its limits are used for rivers only on request).
public enum GB3838 {
    public enum WaterBody: String, Sendable {
        case river, lake
    }

    static let limits: [String: [Double]] = [
        "DO": [7.5, 6, 5, 3, 2],
        "CODMn": [2, 4, 6, 10, 15],
        "COD": [15, 15, 20, 30, 40],
        "BOD5": [3, 3, 4, 6, 10],
        "NH3-N": [0.15, 0.5, 1.0, 1.5, 2.0],
        "TP": [0.02, 0.1, 0.2, 0.3, 0.4],
        "TP.lake": [0.01, 0.025, 0.05, 0.1, 0.2],
        "TN": [0.2, 0.5, 1.0, 1.5, 2.0],
    ]

    /// The limit of a class (1…5) for a parameter.
    public static func limit(_ p: Pollutant, waterClass: Int, body: WaterBody = .river) throws -> Double {
        guard (1...5).contains(waterClass) else {
            throw HydroError(.invalidParameter, "target", "GB 3838 classes are I to V, got \(waterClass)")
        }
        let key = p.name == "TP" && body == .lake ? "TP.lake" : p.name
        guard let values = limits[key] else {
            throw HydroError(.invalidParameter, "target", "GB 3838-2002 has no class limits for \(p.name) in this tool")
        }
        return values[waterClass - 1]
    }

    /// True when `concentration` meets the limit (at most, or at least for DO).
    public static func meets(_ p: Pollutant, concentration: Double, limit: Double) -> Bool {
        p.name == "DO" ? concentration >= limit : concentration <= limit
    }

    /// Parses "Class II", "II", "2", "III类" into a class number.
    public static func parseClass(_ text: String) -> Int? {
        let t = text.uppercased().replacingOccurrences(of: "CLASS", with: "").replacingOccurrences(of: "类", with: "")
            .trimmingCharacters(in: .whitespaces)
        let roman = ["I": 1, "II": 2, "III": 3, "IV": 4, "V": 5]
        return roman[t] ?? Int(t).flatMap { (1...5).contains($0) ? $0 : nil }
    }

    /// The class a concentration falls in (1…5), or 6 for worse than Class V.
    public static func classify(_ p: Pollutant, concentration: Double, body: WaterBody = .river) -> Int? {
        for c in 1...5 {
            guard let limit = try? limit(p, waterClass: c, body: body) else { return nil }
            if meets(p, concentration: concentration, limit: limit) { return c }
        }
        return 6
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
