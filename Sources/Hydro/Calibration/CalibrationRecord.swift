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
        public var section: String
        public var origin: String
        public var sectionLoad: Bootstrap.Interval
        public var load: Bootstrap.Interval
        public var share: Bootstrap.Interval
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var pollutant: String
        public var coefficients: [String: Double]
        public var standardErrors: [String: Double]
        public var stations: [Station]
        public var intervals: [OriginInterval]
    }

    /// The jurisdiction level the intervals' origins belong to.
    public var level: String
    /// Coverage of the intervals (0.9 for 90 %), nil without a bootstrap.
    public var intervalLevel: Double?
    public var pollutants: [Entry]

    public static let file = "calibration/calibration.json"

    public static func load(_ path: String) throws -> CalibrationRecord {
        let record: CalibrationRecord
        do { record = try JSONDecoder().decode(CalibrationRecord.self, from: try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw HydroError(.invalidInput, path, "is not a calibration record (run hydrotool calibrate again): \(error.localizedDescription)")
        }
        for e in record.pollutants {
            for (name, v) in e.coefficients.sorted(by: { $0.key < $1.key }) where !(v.isFinite && v >= 0) {
                throw HydroError(.invalidInput, path, "coefficient \(name) of \(e.pollutant) is \(v)")
            }
        }
        return record
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
