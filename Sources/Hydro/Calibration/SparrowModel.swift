import Foundation

/// The four parameter classes of a SPARROW model (RSPARROW's parmType).
public enum CalibrationParameterKind: String, Sendable, Codable, CaseIterable {
    /// A source coefficient βₙ multiplying a source variable.
    case source = "SOURCE"
    /// A land-to-water delivery coefficient αₖ on a (mean-centred) delivery variable.
    case delivery = "DELIVF"
    /// A first-order in-stream decay rate kₘ on a travel-time (or class) variable.
    case decay = "STRM"
    /// A reservoir settling coefficient on a reservoir variable (RSPARROW: the inverse areal hydraulic load).
    case reservoir = "RESV"
}

/// One parameter: its variable, starting value, bounds and whether it is estimated.
public struct CalibrationParameter: Sendable, Equatable, Codable {
    public var name: String
    public var kind: CalibrationParameterKind
    /// The reach variable it acts on.
    public var variable: String
    public var initial: Double
    public var lower: Double
    public var upper: Double
    public var isFixed: Bool
    public var description: String

    public init(name: String, kind: CalibrationParameterKind, variable: String? = nil, initial: Double, lower: Double,
                upper: Double, isFixed: Bool = false, description: String = "") {
        self.name = name
        self.kind = kind
        self.variable = variable ?? name
        self.initial = initial
        self.lower = lower
        self.upper = upper
        self.isFixed = isFixed
        self.description = description
    }
}

/// A SPARROW model on a reach table, with RSPARROW's default functional forms (estimateFeval.R, tnoder.for):
///
///     inc_i = A_i^½ · R_i · Σₙ βₙ Sₙ,ᵢ · exp(Σₖ αₖ Zₖ,ᵢ Dₙₖ)        incremental delivered load
///     A_i   = exp(−Σₘ kₘ Tₘ,ᵢ)                                      stream decay
///     R_i   = Πᵣ 1 / (1 + θᵣ Qᵣ,ᵢ)                                   reservoir settling
///     L_i   = inc_i + frac_i · A_i · R_i · Σⱼ wⱼᵢ L*ⱼ                 routing in hydrological order
///
/// with L*ⱼ the observed load at a monitored reach when predictions are conditioned (monitoring-load
/// substitution, used during estimation) and the prediction elsewhere. The reach's own incremental load
/// sees half of its reach's decay. Schwarz et al. (2006), The SPARROW surface water-quality model,
/// USGS Techniques and Methods 6-B3, https://doi.org/10.3133/tm6B3.
public struct SparrowModel: Sendable {
    public var reaches: ReachTable
    public var parameters: [CalibrationParameter]
    /// design[s][d]: whether the d-th delivery parameter acts on the s-th source parameter.
    public var design: [[Bool]]
    public var stations: [CalibrationStation]
    /// Means subtracted from the delivery variables (RSPARROW's if_mean_adjust_delivery_vars).
    public private(set) var deliveryMeans: [Double]

    let sourceParameters: [Int]
    let deliveryParameters: [Int]
    let decayParameters: [Int]
    let reservoirParameters: [Int]
    /// Per parameter, its variable's values (delivery variables mean-centred).
    let columns: [[Double]]
    /// For each reach, the station index or −1.
    let stationOfReach: [Int]
    /// Per origin part and source parameter, the part's share of the reach's source variable.
    let originShares: [Double]
    /// The estimated (not fixed) parameters, in parameter order.
    public let freeParameters: [Int]
    /// Source variables, frac and edge weights aggregated from cells for the cell-level parameters
    /// (a project's delivery, decay and settling), which then act through them and not through the
    /// reach-level forms above; nil: all from the reach table.
    public let cellLevel: CellLevelModel?

    /// - Throws: `HydroError` when a variable is missing, the design matrix does not fit or a station is
    ///   not on the table.
    public init(reaches: ReachTable, parameters: [CalibrationParameter], design: [[Bool]], stations: [CalibrationStation],
                meanAdjustDelivery: Bool = true, cellLevel: CellLevelModel? = nil) throws {
        self.reaches = reaches
        self.parameters = parameters
        self.stations = stations
        self.cellLevel = cellLevel
        let cellParameters = Set(cellLevel?.parameters ?? [])
        let sources = parameters.indices.filter { parameters[$0].kind == .source }
        let deliveries = parameters.indices.filter { parameters[$0].kind == .delivery && !cellParameters.contains($0) }
        sourceParameters = sources
        deliveryParameters = deliveries
        decayParameters = parameters.indices.filter { parameters[$0].kind == .decay && !cellParameters.contains($0) }
        reservoirParameters = parameters.indices.filter { parameters[$0].kind == .reservoir && !cellParameters.contains($0) }
        freeParameters = parameters.indices.filter { !parameters[$0].isFixed }
        guard !sources.isEmpty else {
            throw HydroError(.invalidInput, reaches.source, "the model has no SOURCE parameter")
        }
        var d = design
        if d.isEmpty { d = Array(repeating: Array(repeating: true, count: deliveries.count), count: sources.count) }
        guard d.count == sources.count, d.allSatisfy({ $0.count == deliveries.count }) else {
            throw HydroError(.invalidInput, reaches.source, "the design matrix must have a row per source (\(sources.count)) and a column per delivery variable (\(deliveries.count))")
        }
        self.design = d
        var cols: [[Double]] = []
        var means = [Double](repeating: 0, count: deliveries.count)
        for (k, p) in parameters.enumerated() {
            if cellParameters.contains(k) || (cellLevel != nil && p.kind == .source) {
                cols.append([])
                continue
            }
            guard var values = reaches.variables[p.variable] else {
                throw HydroError(.invalidInput, reaches.source, "parameter '\(p.name)' names the variable '\(p.variable)', which the reach table does not have")
            }
            if p.kind == .delivery, meanAdjustDelivery, let j = deliveries.firstIndex(of: k), !values.isEmpty {
                let mean = values.reduce(0, +) / Double(values.count)
                means[j] = mean
                values = values.map { $0 - mean }
            }
            cols.append(values)
        }
        deliveryMeans = means
        columns = cols
        var ofReach = [Int](repeating: -1, count: reaches.count)
        for (s, station) in stations.enumerated() {
            guard station.reach >= 0, station.reach < reaches.count else {
                throw HydroError(.invalidInput, station.location.isEmpty ? reaches.source : station.location, "station \(station.name) is not on the reach network")
            }
            guard ofReach[station.reach] < 0 else {
                throw HydroError(.invalidInput, station.location.isEmpty ? reaches.source : station.location,
                                 "station \(station.name) is on reach \(reaches.ids[station.reach]), which already has station \(stations[ofReach[station.reach]].name)")
            }
            guard station.observedLoad > 0, station.observedLoad.isFinite else {
                throw HydroError(.invalidInput, station.location.isEmpty ? reaches.source : station.location, "station \(station.name) has load \(station.observedLoad); loads must be positive kg/yr")
            }
            guard station.weight > 0, station.weight.isFinite else {
                throw HydroError(.invalidInput, station.location.isEmpty ? reaches.source : station.location, "station \(station.name) has weight \(station.weight); weights must be positive")
            }
            ofReach[station.reach] = s
        }
        stationOfReach = ofReach
        let sourceNames = sources.map { parameters[$0].variable }
        originShares = reaches.origins.flatMap { part in
            sourceNames.map { part.sourceShares.isEmpty ? 1 : part.sourceShares[$0] ?? 0 }
        }
    }

    public var initialValues: [Double] { parameters.map(\.initial) }

    /// Predictions of one evaluation of the model.
    public struct Evaluation: Sendable {
        /// Predicted load of every reach (at a station, the prediction before substitution), kg/yr.
        public var load: [Double]
        /// Incremental delivered load of every reach.
        public var incremental: [Double]
        /// Predicted load at each station, in station order.
        public var stationLoad: [Double]
        /// ∂ ln L̂ₛ / ∂θ for the free parameters (stations × free parameters), when asked for.
        public var logJacobian: DenseMatrix?
    }

    /// Evaluates the model in one pass over the reaches in hydrological order, with forward-mode
    /// derivatives for the free parameters when `derivatives` is set.
    /// - Complexity: O((reaches + edges) × (1 + free parameters)).
    public func evaluate(_ theta: [Double], conditioned: Bool, derivatives: Bool = false) -> Evaluation {
        precondition(theta.count == parameters.count)
        let n = reaches.count
        let f = derivatives ? freeParameters.count : 0
        var load = [Double](repeating: 0, count: n)
        var incremental = [Double](repeating: 0, count: n)
        var outgoing = [Double](repeating: 0, count: n)
        var dOut = [Double](repeating: 0, count: n * f)
        var jac = DenseMatrix(rows: stations.count, columns: f)
        var dL = [Double](repeating: 0, count: f)
        var terms = [Double](repeating: 0, count: sourceParameters.count)
        var expo = [Double](repeating: 0, count: sourceParameters.count)
        let cell = cellLevel?.terms(theta)
        let frac = cell?.frac ?? reaches.frac
        let weight = cell?.weight ?? reaches.upstreamWeight
        let sourceColumns = sourceParameters.enumerated().map { s, p in cell?.sources[s] ?? columns[p] }
        // Free-parameter column → its position among the cell-level parameters, or −1.
        let freeCell = freeParameters.map { cellLevel?.parameters.firstIndex(of: $0) ?? -1 }
        // Free-parameter column → (kind, position within its kind).
        let freeKind = freeParameters.map { parameters[$0].kind }
        let freePosition: [Int] = freeParameters.map { p -> Int in
            switch parameters[p].kind {
            case .source: return sourceParameters.firstIndex(of: p) ?? 0
            case .delivery: return deliveryParameters.firstIndex(of: p) ?? 0
            case .decay: return decayParameters.firstIndex(of: p) ?? 0
            case .reservoir: return reservoirParameters.firstIndex(of: p) ?? 0
            }
        }
        for i in 0..<n {
            let (a, r) = reachTransport(theta, reach: i)
            var sum = 0.0
            for (s, p) in sourceParameters.enumerated() {
                var e = 0.0
                for (k, q) in deliveryParameters.enumerated() where design[s][k] { e += theta[q] * columns[q][i] }
                expo[s] = exp(e)
                terms[s] = theta[p] * sourceColumns[s][i] * expo[s]
                sum += terms[s]
            }
            let h = a.squareRoot() * r
            let inc = h * sum
            let carry = frac[i] * a * r
            var upstream = 0.0
            let lo = reaches.upstreamStart[i], hi = reaches.upstreamStart[i + 1]
            for e in lo..<hi { upstream += weight[e] * outgoing[reaches.upstreamReach[e]] }
            let l = inc + carry * upstream
            incremental[i] = inc
            load[i] = l
            outgoing[i] = l
            let station = stationOfReach[i]
            if f > 0 {
                for c in 0..<f {
                    let p = freeParameters[c]
                    var v: Double
                    if let cell, freeCell[c] >= 0 {
                        // Through the aggregated sources, the reach's frac and its incoming edges' weights.
                        let j = freeCell[c]
                        var t = 0.0
                        for (s, q) in sourceParameters.enumerated() { t += theta[q] * expo[s] * cell.sourceDerivatives[j][s][i] }
                        var du = 0.0
                        for e in lo..<hi { du += cell.weightDerivatives[j][e] * outgoing[reaches.upstreamReach[e]] }
                        v = h * t + a * r * (cell.fracDerivatives[j][i] * upstream + frac[i] * du)
                    } else {
                        switch freeKind[c] {
                        case .source:
                            let s = freePosition[c]
                            v = h * sourceColumns[s][i] * expo[s]
                        case .delivery:
                            let k = freePosition[c]
                            var t = 0.0
                            for s in 0..<terms.count where design[s][k] { t += terms[s] }
                            v = h * t * columns[p][i]
                        case .decay:
                            let z = columns[p][i]
                            v = -0.5 * z * inc - z * carry * upstream
                        case .reservoir:
                            let q = columns[p][i]
                            v = -(q / (1 + theta[p] * q)) * l
                        }
                    }
                    var u = 0.0
                    for e in lo..<hi { u += weight[e] * dOut[reaches.upstreamReach[e] * f + c] }
                    v += carry * u
                    dL[c] = v
                }
                if station >= 0 {
                    for c in 0..<f { jac[station, c] = dL[c] / l }
                }
                if !(conditioned && station >= 0) {
                    for c in 0..<f { dOut[i * f + c] = dL[c] }
                }
            }
            if conditioned && station >= 0 { outgoing[i] = stations[station].observedLoad }
        }
        let stationLoad = stations.map { load[$0.reach] }
        return Evaluation(load: load, incremental: incremental, stationLoad: stationLoad, logJacobian: derivatives ? jac : nil)
    }

    /// Reach `i`'s stream decay exp(−Σ kₘTₘ) and reservoir settling Π 1/(1 + θ·x) under `theta`.
    @inline(__always) func reachTransport(_ theta: [Double], reach i: Int) -> (decay: Double, reservoir: Double) {
        var decayExponent = 0.0
        for p in decayParameters { decayExponent += theta[p] * columns[p][i] }
        var r = 1.0
        for p in reservoirParameters { r /= 1 + theta[p] * columns[p][i] }
        return (exp(-decayExponent), r)
    }

    /// The unconditioned load of every reach split by origin group (the reach table's origin parts;
    /// one group holding everything when it has none), as a flat reaches × groups array.
    /// - Complexity: O((reaches + edges) × groups + origin parts × sources).
    public func loadsByOrigin(_ theta: [Double]) -> (groups: Int, loads: [Double]) {
        let n = reaches.count
        let g = max(1, reaches.groupNames.count)
        var inc = [Double](repeating: 0, count: n * g)
        var termsBySource = [Double](repeating: 0, count: n * sourceParameters.count)
        var factor = [Double](repeating: 0, count: n)
        var carry = [Double](repeating: 0, count: n)
        let cell = cellLevel?.terms(theta)
        let frac = cell?.frac ?? reaches.frac
        let weight = cell?.weight ?? reaches.upstreamWeight
        let originShares = cell?.originShares ?? self.originShares
        let sourceColumns = sourceParameters.enumerated().map { s, p in cell?.sources[s] ?? columns[p] }
        for i in 0..<n {
            let (a, r) = reachTransport(theta, reach: i)
            factor[i] = a.squareRoot() * r
            carry[i] = frac[i] * a * r
            for (s, p) in sourceParameters.enumerated() {
                var e = 0.0
                for (k, q) in deliveryParameters.enumerated() where design[s][k] { e += theta[q] * columns[q][i] }
                termsBySource[i * sourceParameters.count + s] = theta[p] * sourceColumns[s][i] * exp(e)
            }
        }
        if reaches.origins.isEmpty {
            for i in 0..<n {
                var sum = 0.0
                for s in 0..<sourceParameters.count { sum += termsBySource[i * sourceParameters.count + s] }
                inc[i * g] = factor[i] * sum
            }
        } else {
            let m = sourceParameters.count
            for (k, part) in reaches.origins.enumerated() {
                var sum = 0.0
                for s in 0..<m { sum += termsBySource[part.reach * m + s] * originShares[k * m + s] }
                inc[part.reach * g + part.group] += factor[part.reach] * sum
            }
        }
        var loads = inc
        for i in 0..<n {
            for e in reaches.upstreamStart[i]..<reaches.upstreamStart[i + 1] {
                let j = reaches.upstreamReach[e], w = weight[e] * carry[i]
                if w == 0 { continue }
                for k in 0..<g { loads[i * g + k] += w * loads[j * g + k] }
            }
        }
        return (g, loads)
    }
}
