import Foundation

/// What `hydrotool calibrate PROJECT` leaves for later runs, in calibration/calibration.json: per
/// pollutant the estimated source coefficients with their standard errors, the stations' loads
/// and the months behind them, and the bootstrap intervals of every origin's load and share at
/// every section. Later runs read it back through `load` (typed, never by column).
public struct CalibrationRecord: Codable, Sendable, Equatable {
    public struct Station: Codable, Sendable, Equatable {
        public var section: String
        public var loadKgPerYear: Double
        public var monthsUsed: [String]
        public var monthsMissing: [String]
    }

    /// One origin at one section: the bootstrap intervals of the section's load, of the origin's
    /// load and of its share.
    public struct OriginInterval: Codable, Sendable, Equatable {
        /// The origin's jurisdiction level (the record's `level` when absent).
        public var level: String?
        public var section: String
        public var origin: String
        /// "name code" of the origin, for summaries and the report.
        public var name: String?
        public var sectionLoad: Bootstrap.Interval
        public var load: Bootstrap.Interval
        public var share: Bootstrap.Interval
    }

    /// Every bootstrap draw's load at one section from each origin at the finest level (county codes,
    /// "outside" for load from no unit): `loads[draw][k]` kg/yr from `origins[k]`, the draw's residual
    /// factor included. A draw's loads summed over any party's units give that party's attributed load.
    public struct SectionDraws: Codable, Sendable, Equatable {
        public var section: String
        public var origins: [String]
        public var loads: [[Double]]
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var pollutant: String
        public var coefficients: [String: Double]
        public var standardErrors: [String: Double]
        public var stations: [Station]
        public var intervals: [OriginInterval]
        /// nil in records written without a bootstrap (or before draws were kept).
        public var draws: [SectionDraws]?
        /// The fit summary (estimates with SE, t, p, VIF; fit statistics; eigenvalues; smearing factor) and
        /// the per-station diagnostics, for the report.
        public var fit: CalibrationSummary?
        public var diagnostics: [StationDiagnostics]?
    }

    /// The jurisdiction level of intervals that name none (the project's first level).
    public var level: String
    /// Coverage of the intervals (0.9 for 90 %), nil without a bootstrap.
    public var intervalLevel: Double?
    public var pollutants: [Entry]

    public static let file = "calibration/calibration.json"

    public static func load(_ path: String) throws -> CalibrationRecord {
        let record: CalibrationRecord
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do { record = try decoder.decode(CalibrationRecord.self, from: try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw HydroError(.invalidInput, path, "is not a calibration record (run hydrotool calibrate again): \(error.localizedDescription)")
        }
        for e in record.pollutants {
            for d in e.draws ?? [] where d.loads.contains(where: { $0.count != d.origins.count || $0.contains { !($0.isFinite && $0 >= 0) } }) {
                throw HydroError(.invalidInput, path, "the bootstrap draws of \(e.pollutant) at \(d.section) do not hold one non-negative load per origin")
            }
            // Delivery coefficients may be negative; every other coefficient is a multiplier or a rate.
            for (name, v) in e.coefficients.sorted(by: { $0.key < $1.key }) where !(v.isFinite && (v >= 0 || name.hasPrefix("delivery_"))) {
                throw HydroError(.invalidInput, path, "coefficient \(name) of \(e.pollutant) is \(v)")
            }
        }
        return record
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // A perfect fit has infinite t statistics.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(self)
    }
}
