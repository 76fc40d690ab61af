import Foundation

/// A pollutant the model routes. The assessed ones in Guizhou's compensation are CODMn
/// (permanganate index), NH3-N and TP; TN, COD and BOD5 work the same way.
public struct Pollutant: Hashable, Sendable, Comparable {
    /// Canonical name as written in outputs: "CODMn", "NH3-N", "TP", "TN", "COD", "BOD5".
    public let name: String

    public static let known = ["CODMn", "NH3-N", "TP", "TN", "COD", "BOD5", "DO"]

    /// Accepts the canonical names and common spellings (case-insensitive): "codmn",
    /// "permanganate", "NH3N", "ammonia", "NH4-N", "tp", …; anything else is an error naming the parameter.
    public init(parsing text: String, parameter: String) throws {
        let key = text.lowercased().filter { $0.isLetter || $0.isNumber }
        let aliases: [String: String] = [
            "codmn": "CODMn", "permanganate": "CODMn", "permanganateindex": "CODMn", "imn": "CODMn",
            "nh3n": "NH3-N", "nh3": "NH3-N", "ammonia": "NH3-N", "ammonianitrogen": "NH3-N", "nh4n": "NH3-N", "an": "NH3-N",
            "tp": "TP", "totalphosphorus": "TP", "tn": "TN", "totalnitrogen": "TN",
            "cod": "COD", "codcr": "COD", "bod5": "BOD5", "bod": "BOD5", "do": "DO", "dissolvedoxygen": "DO",
        ]
        guard let name = aliases[key] else {
            throw HydroError(.invalidParameter, parameter, "unknown pollutant '\(text)' (known: \(Pollutant.known.joined(separator: ", ")))")
        }
        self.name = name
    }

    public init(_ name: String) { self.name = name }

    public static func < (a: Pollutant, b: Pollutant) -> Bool {
        (known.firstIndex(of: a.name) ?? 99, a.name) < (known.firstIndex(of: b.name) ?? 99, b.name)
    }
}

/// Mass-rate units for loads; everything is carried internally in kg/yr.
public enum LoadUnit: String, Sendable, CaseIterable {
    case kgPerYear = "kg/yr"
    case tonnesPerYear = "t/yr"
    case kgPerDay = "kg/day"
    case gPerSecond = "g/s"

    /// kg/yr per unit (a year of 365.25 days).
    public var kilogramsPerYear: Double {
        switch self {
        case .kgPerYear: 1
        case .tonnesPerYear: 1000
        case .kgPerDay: 365.25
        case .gPerSecond: 365.25 * 86400 / 1000
        }
    }

    public init(parsing text: String, parameter: String) throws {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        let table: [String: LoadUnit] = ["kg/yr": .kgPerYear, "kg/a": .kgPerYear, "kg/year": .kgPerYear, "kgyr-1": .kgPerYear,
                                         "t/yr": .tonnesPerYear, "t/a": .tonnesPerYear, "t/year": .tonnesPerYear,
                                         "kg/d": .kgPerDay, "kg/day": .kgPerDay, "g/s": .gPerSecond]
        guard let unit = table[t] else {
            throw HydroError(.invalidParameter, parameter, "unit '\(text)' not understood (use kg/yr, t/yr, kg/day or g/s)")
        }
        self = unit
    }
}
