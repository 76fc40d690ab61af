import Foundation

/// The reach-level view of a river network that calibration works on, independent of rasters: reaches in
/// hydrological sequence (every reach after all reaches that drain into it), each with the reaches that
/// feed it, the transport fraction, its areas, its explanatory variables and the monitored load, if any.
///
/// Both an RSPARROW model (data1.csv) and a project's DEM network are turned into this table.
public struct ReachTable: Sendable {
    /// Reach identifiers (RSPARROW's waterid), in routing order.
    public var ids: [String]
    /// Incoming edges in compressed form: the reaches feeding reach i are
    /// `upstreamReach[upstreamStart[i] ..< upstreamStart[i + 1]]`, each passing on `upstreamWeight` of its
    /// load (RSPARROW's iftran of the upstream reach, times the share of a split for a DEM network).
    public var upstreamStart: [Int]
    public var upstreamReach: [Int]
    public var upstreamWeight: [Double]
    /// The fraction of the load arriving at the reach's upstream node that enters it (RSPARROW's frac).
    public var frac: [Double]
    /// Incremental and total drainage area, km² (demiarea, demtarea).
    public var incrementalArea: [Double]
    public var totalArea: [Double]
    /// Named per-reach variables (sources, delivery, decay and reservoir variables all live here).
    public var variables: [String: [Double]]
    /// Where each reach's source variables came from, for shares by jurisdiction: parts of reaches, each
    /// with an origin group and the share of each source variable of the reach it holds (shares of one
    /// reach and one source sum to 1). Empty: every reach is its own origin group 0.
    public var origins: [OriginPart]
    public var groupNames: [String]
    /// The file the table was read from, for messages.
    public var source: String

    public struct OriginPart: Sendable {
        public var reach: Int
        public var group: Int
        /// Per source variable name, the share of the reach's value that lies in this group (a name not
        /// listed: none of it); empty: the whole reach, every source.
        public var sourceShares: [String: Double]
        public init(reach: Int, group: Int, sourceShares: [String: Double]) {
            self.reach = reach
            self.group = group
            self.sourceShares = sourceShares
        }
    }

    public var count: Int { ids.count }

    public init(ids: [String], upstream: [[(reach: Int, weight: Double)]], frac: [Double], incrementalArea: [Double],
                totalArea: [Double], variables: [String: [Double]], source: String) throws {
        let n = ids.count
        guard upstream.count == n, frac.count == n, incrementalArea.count == n, totalArea.count == n else {
            throw HydroError(.invalidInput, source, "reach table columns have different lengths")
        }
        for (name, values) in variables where values.count != n {
            throw HydroError(.invalidInput, source, "variable '\(name)' has \(values.count) values for \(n) reaches")
        }
        var start = [0], reach: [Int] = [], weight: [Double] = []
        for (i, list) in upstream.enumerated() {
            for edge in list {
                guard edge.reach >= 0, edge.reach < i else {
                    throw HydroError(.invalidInput, source, "reach \(ids[i]) is fed by a reach that does not come before it in the routing order")
                }
                reach.append(edge.reach)
                weight.append(edge.weight)
            }
            start.append(reach.count)
        }
        self.ids = ids
        upstreamStart = start
        upstreamReach = reach
        upstreamWeight = weight
        self.frac = frac
        self.incrementalArea = incrementalArea
        self.totalArea = totalArea
        self.variables = variables
        origins = []
        groupNames = []
        self.source = source
    }

    /// For every reach, whether it lies downstream of (or is) one of `reaches`.
    public func downstreamMask(of reaches: [Int]) -> [Bool] {
        var mask = [Bool](repeating: false, count: count)
        for r in reaches { mask[r] = true }
        for i in 0..<count where !mask[i] {
            for e in upstreamStart[i]..<upstreamStart[i + 1] where mask[upstreamReach[e]] && upstreamWeight[e] > 0 {
                mask[i] = true
                break
            }
        }
        return mask
    }
}

/// A calibration station: a reach with an observed long-term mean annual load.
public struct CalibrationStation: Sendable, Equatable {
    public var reach: Int
    public var name: String
    /// Observed load, kg/yr (> 0).
    public var observedLoad: Double
    /// Weight in the objective (1 unless given).
    public var weight: Double
    /// Longitude and latitude (WGS84) for the residual map, when known.
    public var longitude: Double?
    public var latitude: Double?
    /// Where the station was read from ("file:line"), for messages.
    public var location: String

    public init(reach: Int, name: String, observedLoad: Double, weight: Double = 1, longitude: Double? = nil,
                latitude: Double? = nil, location: String = "") {
        self.reach = reach
        self.name = name
        self.observedLoad = observedLoad
        self.weight = weight
        self.longitude = longitude
        self.latitude = latitude
        self.location = location
    }
}
