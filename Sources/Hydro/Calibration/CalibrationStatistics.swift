import Foundation

/// Goodness of fit on one set of predictions (conditioned or unconditioned), as RSPARROW's
/// estimateNLLSmetrics.R reports them.
public struct FitMetrics: Sendable, Codable, Equatable {
    public var sse: Double
    public var mse: Double
    public var rmse: Double
    public var rSquared: Double
    public var adjustedRSquared: Double
    /// R² of ln yield (load ÷ total drainage area).
    public var yieldRSquared: Double
    /// 100 · Σ(L̂ − L) / Σ L.
    public var percentBias: Double

    /// - Parameters: observed and predicted loads, weights, drainage areas, free parameter count.
    public init(observed: [Double], predicted: [Double], weights: [Double], areas: [Double], parameters p: Int) {
        let n = observed.count
        var sse = 0.0, wsum = 0.0, ybar = 0.0, yieldBar = 0.0
        for s in 0..<n {
            let e = log(observed[s]) - log(predicted[s])
            sse += weights[s] * e * e
            wsum += weights[s]
            ybar += weights[s] * log(observed[s])
            yieldBar += weights[s] * log(observed[s] / areas[s])
        }
        ybar /= wsum
        yieldBar /= wsum
        var sst = 0.0, sstYield = 0.0
        for s in 0..<n {
            let y = log(observed[s]) - ybar, yy = log(observed[s] / areas[s]) - yieldBar
            sst += weights[s] * y * y
            sstYield += weights[s] * yy * yy
        }
        let df = Double(n - p)
        self.sse = sse
        mse = sse / df
        rmse = mse.squareRoot()
        rSquared = 1 - sse / sst
        adjustedRSquared = 1 - (sse / df) / (sst / Double(n - 1))
        yieldRSquared = 1 - sse / sstYield
        percentBias = 100 * (zip(predicted, observed).reduce(0) { $0 + $1.0 - $1.1 }) / observed.reduce(0, +)
    }
}

/// One estimated parameter's statistics.
public struct ParameterEstimate: Sendable, Codable, Equatable {
    public var name: String
    public var kind: CalibrationParameterKind
    public var estimate: Double
    public var standardError: Double
    public var t: Double
    public var pValue: Double
    public var vif: Double
    public var atBound: Bool
}

/// One station's diagnostics.
public struct StationDiagnostics: Sendable, Codable, Equatable {
    public var station: String
    public var reach: String
    public var observed: Double
    public var predictedConditioned: Double
    public var predictedUnconditioned: Double
    public var weight: Double
    /// √w (ln L − ln L̂), conditioned.
    public var residual: Double
    public var unconditionedResidual: Double
    public var standardizedResidual: Double
    public var leverage: Double
    /// Leverage above 3p/n.
    public var highLeverage: Bool
    public var cooksDistance: Double
}

/// Standard errors, t, p, VIF, eigenvalue spread, fit metrics, leverage, Cook's D and the smearing
/// factor of a fitted model (Schwarz et al. 2006, chapter 1.5; RSPARROW estimateNLLSmetrics.R).
public struct CalibrationStatistics: Sendable {
    public var parameters: [ParameterEstimate]
    /// MSE · (JᵀJ)⁻¹ over the estimated parameters.
    public var covariance: DenseMatrix
    /// Largest ÷ smallest eigenvalue of JᵀJ with the Jacobian's columns scaled to unit length.
    public var eigenvalueSpread: Double
    public var eigenvalues: [Double]
    public var conditioned: FitMetrics
    public var unconditioned: FitMetrics
    public var stations: [StationDiagnostics]
    /// Duan's smearing factor mean(exp(eₛ/√(1−hₛ))) by which mean-load predictions are multiplied.
    public var smearingFactor: Double
    /// The leverage-adjusted residuals eₛ/√(1−hₛ) the bootstrap resamples.
    public var adjustedResiduals: [Double]
    /// Shapiro–Wilk and PPCC of the estimation residuals (nil below 3 stations).
    public var normality: ResidualNormality?
    public var degreesOfFreedom: Int

    public init(model: SparrowModel, theta: [Double], weights: [Double], fit: BoundedLevenbergMarquardt.Result, conditioned: Bool) throws {
        let free = model.freeParameters
        let n = model.stations.count, p = free.count
        let j = fit.jacobian
        let jtj = j.gram
        let names = free.map { model.parameters[$0].name }
        // Unit-length columns: the eigenvalues and VIF do not depend on the parameters' units.
        let norms = (0..<p).map { jtj[$0, $0].squareRoot() }
        if let zero = norms.firstIndex(where: { $0 == 0 }) {
            throw HydroError(.invalidInput, model.reaches.source, "the fit is singular: parameter \(names[zero]) has no effect on any station's load")
        }
        var scaled = jtj
        for a in 0..<p { for b in 0..<p { scaled[a, b] /= norms[a] * norms[b] } }
        let eigen = LinearAlgebra.symmetricEigen(scaled)
        let smallest = eigen.values.first ?? 0, largest = eigen.values.last ?? 0
        guard smallest > largest * 1e-13, let scaledInverse = LinearAlgebra.inverseSPD(scaled) else {
            var involved: [String] = []
            for a in 0..<p where abs(eigen.vectors[a, 0]) > 0.1 { involved.append(names[a]) }
            throw HydroError(.invalidInput, model.reaches.source,
                             "the fit is singular: the stations cannot tell apart \(involved.joined(separator: ", ")) (their effects on the station loads are collinear; fix one of them or add stations that separate them)")
        }
        var inverse = scaledInverse
        for a in 0..<p { for b in 0..<p { inverse[a, b] /= norms[a] * norms[b] } }
        let df = n - p
        let sse = fit.sumOfSquares
        let mse = sse / Double(df)
        var cov = inverse
        for k in cov.values.indices { cov.values[k] *= mse }
        covariance = cov
        eigenvalues = eigen.values
        eigenvalueSpread = largest / smallest
        degreesOfFreedom = df
        parameters = free.enumerated().map { k, index in
            let se = cov[k, k].squareRoot()
            let t = theta[index] / se
            return ParameterEstimate(name: model.parameters[index].name, kind: model.parameters[index].kind, estimate: theta[index],
                                     standardError: se, t: t, pValue: StudentT.twoSidedPValue(t, degreesOfFreedom: Double(df)),
                                     vif: scaledInverse[k, k], atBound: fit.atBound[k])
        }
        let conditionedLoads = model.evaluate(theta, conditioned: true).stationLoad
        let unconditionedLoads = model.evaluate(theta, conditioned: false).stationLoad
        let observed = model.stations.map(\.observedLoad)
        let areas = model.stations.map { max(model.reaches.totalArea[$0.reach], 1e-300) }
        self.conditioned = FitMetrics(observed: observed, predicted: conditionedLoads, weights: weights, areas: areas, parameters: p)
        unconditioned = FitMetrics(observed: observed, predicted: unconditionedLoads, weights: weights, areas: areas, parameters: p)
        let estimationLoads = conditioned ? conditionedLoads : unconditionedLoads
        var rows: [StationDiagnostics] = []
        var adjusted: [Double] = []
        let threshold = 3 * Double(p) / Double(n)
        for (s, station) in model.stations.enumerated() {
            var h = 0.0
            for a in 0..<p { for b in 0..<p { h += j[s, a] * inverse[a, b] * j[s, b] } }
            h = min(max(h, 0), 1 - 1e-12)
            let w = weights[s].squareRoot()
            let r = w * (log(station.observedLoad) - log(estimationLoads[s]))
            adjusted.append(r / (1 - h).squareRoot())
            rows.append(StationDiagnostics(
                station: station.name, reach: model.reaches.ids[station.reach], observed: station.observedLoad,
                predictedConditioned: conditionedLoads[s], predictedUnconditioned: unconditionedLoads[s], weight: weights[s],
                residual: w * (log(station.observedLoad) - log(conditionedLoads[s])),
                unconditionedResidual: w * (log(station.observedLoad) - log(unconditionedLoads[s])),
                standardizedResidual: r / (mse.squareRoot() * (1 - h).squareRoot()), leverage: h, highLeverage: h > threshold,
                cooksDistance: r * r * h / (Double(p) * mse * (1 - h) * (1 - h))))
        }
        stations = rows
        adjustedResiduals = adjusted
        normality = ResidualNormality(rows.map { conditioned ? $0.residual : $0.unconditionedResidual })
        smearingFactor = adjusted.reduce(0) { $0 + exp($1) } / Double(max(adjusted.count, 1))
    }
}
