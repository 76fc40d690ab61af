import Foundation

// What each step of a run produces, as typed values. A step that ran hands its result to the
// steps after it in memory; a step that was skipped (up to date) loads its result back from its
// JSON output through `StepResultFile`, the one loader, never by parsing table columns.

/// The loads step: load leaving each section and the mass budget of every pollutant.
public struct LoadsResult: Codable, Sendable, Equatable {
    public var unit = "kg/yr"
    public var sections: [SectionLoad]
    public var budgets: [BudgetSummary]
    /// Load leaving the last cell of every stream link, in link order.
    public var links: [LinkLoad]
}

/// The load leaving one stream link (at its last cell), and the load generated along it, kg/yr by
/// pollutant. A province has hundreds of thousands of links: the values are arrays in the order of
/// `pollutants` (no dictionary a link); a computed result shares one array of names among its links.
public struct LinkLoad: Codable, Sendable, Equatable {
    public var link: Int32
    /// Pollutant names in the run's pollutant order.
    public var pollutants: [String]
    public var loads: [Double]
    public var local: [Double]

    /// NaN loads for every pollutant, filled in as each is routed.
    init(link: Int32, pollutants: [String]) {
        self.link = link
        self.pollutants = pollutants
        loads = [Double](repeating: .nan, count: pollutants.count)
        local = loads
    }

    /// The load of one pollutant leaving the link (nil for a pollutant the run has not).
    public func load(_ pollutant: String) -> Double? { pollutants.firstIndex(of: pollutant).map { loads[$0] } }
    public var loadsKgPerYr: [String: Double] { Dictionary(uniqueKeysWithValues: zip(pollutants, loads)) }
    public var localKgPerYr: [String: Double] { Dictionary(uniqueKeysWithValues: zip(pollutants, local)) }

    // stream_loads.json keeps its objects by pollutant name.
    enum CodingKeys: String, CodingKey { case link, loadsKgPerYr = "loads_kg_per_yr", localKgPerYr = "local_kg_per_yr" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        link = try c.decode(Int32.self, forKey: .link)
        let loads = try c.decode([String: Double].self, forKey: .loadsKgPerYr)
        let local = try c.decode([String: Double].self, forKey: .localKgPerYr)
        pollutants = Set(loads.keys).union(local.keys).map(Pollutant.init).sorted().map(\.name)
        self.loads = pollutants.map { loads[$0] ?? .nan }
        self.local = pollutants.map { local[$0] ?? .nan }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(link, forKey: .link)
        try c.encode(loadsKgPerYr, forKey: .loadsKgPerYr)
        try c.encode(localKgPerYr, forKey: .localKgPerYr)
    }
}

/// section_loads.json and mass_budget.json: the loads result in two files.
struct SectionLoadsDocument: Codable {
    var unit: String
    var sections: [SectionLoad]
}

struct BudgetsDocument: Codable {
    var budgets: [BudgetSummary]
}

/// stream_loads.json: the loads of every link, as in stream_loads.gpkg.
struct LinkLoadsDocument: Codable, Sendable {
    var unit: String
    var links: [LinkLoad]
}

/// The routed load leaving one section cell.
public struct SectionLoad: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var upstreamAreaKm2: Double?
    public var snapDistanceM: Double?
    public var warnings: [String]
    /// kg/yr by pollutant name; nil where the section lies off the grid.
    public var loadsKgPerYr: [String: Double?]

    enum CodingKeys: String, CodingKey {
        case id, name, warnings
        case upstreamAreaKm2 = "upstream_area_km2", snapDistanceM = "snap_distance_m", loadsKgPerYr = "loads_kg_per_yr"
    }
}

/// One pollutant's mass budget: generated = delivered + lost on land, in streams and in reservoirs.
public struct BudgetSummary: Codable, Sendable, Equatable {
    public var pollutant: String
    public var unit = "kg/yr"
    public var generated: Double
    public var delivered: Double
    public var lostOnLand: Double
    public var lostInStreams: Double
    public var lostInReservoirs: Double
    public var imbalance: Double
    public var outlets: Int
    public var largestOutlets: [OutletLoad]

    enum CodingKeys: String, CodingKey {
        case pollutant, unit, generated, delivered, imbalance, outlets
        case lostOnLand = "lost_on_land", lostInStreams = "lost_in_streams", lostInReservoirs = "lost_in_reservoirs"
        case largestOutlets = "largest_outlets"
    }
}

public struct OutletLoad: Codable, Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var deliveredKgPerYr: Double

    enum CodingKeys: String, CodingKey { case x, y, deliveredKgPerYr = "delivered_kg_per_yr" }
}

/// The attribution step: at every level, the origin of the load at each section, the load each
/// unit hands to the next, and each unit's budget.
public struct AttributionResult: Codable, Sendable, Equatable {
    public var unit = "kg/yr"
    public var method = "linear routing; share of a unit = load arriving with only its sources on"
    public var levels: [String]
    /// The load parameters and input checksums the figures came from.
    public var parameters: String
    public var inputSha256: [String: String]
    public var sections: [SectionAttribution]
    /// Stream border crossings at the first level.
    public var crossings: [CrossingRecord]
    public var flux: [UnitFlux]
    public var budgets: [UnitBudget]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case unit, method, levels, parameters, sections, crossings, flux, budgets, warnings
        case inputSha256 = "input_sha256"
    }

    /// The section entries of one level, section and pollutant.
    public func section(_ id: String, pollutant: String, level: String) -> SectionAttribution? {
        sections.first { $0.section == id && $0.pollutant == pollutant && $0.level == level }
    }
}

public struct SectionAttribution: Codable, Sendable, Equatable {
    public var level: String
    public var section: String
    public var name: String
    public var pollutant: String
    public var totalKgPerYr: Double
    /// Origins with a positive load, in the order of the jurisdiction layer; "outside" last.
    public var origins: [OriginShare]
    public var upstreamTouchesEdgeOrNodata: Bool
    public var unknownShare: Double

    enum CodingKeys: String, CodingKey {
        case level, section, name, pollutant, origins
        case totalKgPerYr = "total_kg_per_yr", upstreamTouchesEdgeOrNodata = "upstream_touches_edge_or_nodata"
        case unknownShare = "unknown_share"
    }
}

public struct OriginShare: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var loadKgPerYr: Double
    public var share: Double
    /// The origin is the unit the section lies in.
    public var isHome: Bool

    enum CodingKeys: String, CodingKey { case id, name, share, isHome = "is_home", loadKgPerYr = "load_kg_per_yr" }
}

/// Where a stream leaves one unit for another, and the load handed over there.
public struct CrossingRecord: Codable, Sendable, Equatable {
    public var level: String
    public var fromId: String
    public var fromName: String
    public var toId: String
    public var toName: String
    /// Midpoint between the last cell upstream and the first downstream, in the DEM's CRS.
    public var x: Double
    public var y: Double
    public var areaKm2: Double
    /// By pollutant: all load crossing here, of it generated in the upstream unit, and passing through.
    public var loadsKgPerYr: [String: Double]
    public var generatedUpstreamUnitKgPerYr: [String: Double]

    enum CodingKeys: String, CodingKey {
        case level, x, y
        case fromId = "from_id", fromName = "from_name", toId = "to_id", toName = "to_name", areaKm2 = "area_km2"
        case loadsKgPerYr = "loads_kg_per_yr", generatedUpstreamUnitKgPerYr = "generated_upstream_unit_kg_per_yr"
    }
}

/// Load one unit hands directly to another (gross: every crossing counts).
public struct UnitFlux: Codable, Sendable, Equatable {
    public var level: String
    public var fromId: String
    public var fromName: String
    public var toId: String
    public var toName: String
    public var pollutant: String
    public var loadKgPerYr: Double

    enum CodingKeys: String, CodingKey {
        case level, pollutant
        case fromId = "from_id", fromName = "from_name", toId = "to_id", toName = "to_name", loadKgPerYr = "load_kg_per_yr"
    }
}

public struct UnitBudget: Codable, Sendable, Equatable {
    public var level: String
    public var id: String
    public var name: String
    public var pollutant: String
    public var generated: Double
    public var received: Double
    public var handedOver: Double
    public var deliveredOut: Double
    public var lost: Double

    /// received + generated − handed over − delivered out − lost: zero up to rounding.
    public var imbalance: Double { received + generated - handedOver - deliveredOut - lost }

    enum CodingKeys: String, CodingKey {
        case level, id, name, pollutant, generated, received, lost
        case handedOver = "handed_over", deliveredOut = "delivered_out"
    }
}

/// The compensation step: the settlement of the scheme's year (ledger.json).
public struct SettlementResult: Codable, Sendable {
    public var scheme: String
    public var year: Int
    public var settlement: Settlement
    /// Bootstrap intervals of the amounts and balances, when a calibration with draws is present.
    public var intervals: LedgerIntervals?

    public struct Checks: Codable, Sendable, Equatable {
        public var totalPaid: Double
        public var totalReceived: Double
        public var fundIntake: Double
        public var fundPayout: Double
        public var balancesSum: Double

        enum CodingKeys: String, CodingKey {
            case totalPaid = "total_paid", totalReceived = "total_received", fundIntake = "fund_intake", fundPayout = "fund_payout"
            case balancesSum = "balances_sum"
        }
    }

    public var checks: Checks {
        Checks(totalPaid: settlement.totalPaid, totalReceived: settlement.totalPaid, fundIntake: settlement.fundIntake,
               fundPayout: settlement.fundPayout, balancesSum: Money.yuan(settlement.balanceFen.values.reduce(0, +)))
    }

    enum CodingKeys: String, CodingKey { case scheme, year, currency, entries, gaps, notes, checks, balances, intervals }

    public init(scheme: String, year: Int, settlement: Settlement, intervals: LedgerIntervals? = nil) {
        self.scheme = scheme
        self.year = year
        self.settlement = settlement
        self.intervals = intervals
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try c.decode(String.self, forKey: .scheme)
        year = try c.decode(Int.self, forKey: .year)
        settlement = Settlement(entries: try c.decode([LedgerEntry].self, forKey: .entries), gaps: try c.decode([String].self, forKey: .gaps),
                                notes: try c.decode([String].self, forKey: .notes), currency: try c.decode(String.self, forKey: .currency))
        intervals = try c.decodeIfPresent(LedgerIntervals.self, forKey: .intervals)
    }

    /// Balances and checks are written for readers of the file and recomputed from the entries on loading.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scheme, forKey: .scheme)
        try c.encode(year, forKey: .year)
        try c.encode(settlement.currency, forKey: .currency)
        try c.encode(settlement.entries, forKey: .entries)
        try c.encode(settlement.gaps, forKey: .gaps)
        try c.encode(settlement.notes, forKey: .notes)
        try c.encode(checks, forKey: .checks)
        try c.encode(settlement.balances, forKey: .balances)
        try c.encodeIfPresent(intervals, forKey: .intervals)
    }
}

/// The one loader and writer of step results: pretty, key-sorted JSON, written atomically.
public enum StepResultFile {
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .throw
        let data: Data
        do { data = try encoder.encode(value) } catch EncodingError.invalidValue(let bad, let context) {
            // Named by its place in the result; the step adds which step and inputs it came from.
            var location = ""
            for key in context.codingPath { location += key.intValue.map { "[\($0)]" } ?? (location.isEmpty ? key.stringValue : ".\(key.stringValue)") }
            let number = (bad as? Double) ?? (bad as? Float).map(Double.init) ?? .nan
            throw NonFiniteResult(file: path, location: location.isEmpty ? "a figure" : location, value: number)
        } catch {
            throw HydroError(.io, path, "cannot be written: \(error.localizedDescription)")
        }
        try AtomicOutput.write(data, to: path, overwrite: true)
    }

    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HydroError(.io, path, "cannot be read (the step's result is missing: run the step again)")
        }
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw HydroError(.invalidInput, path, "is not a result this version wrote (run the step again): \(error.localizedDescription)")
        }
    }
}
