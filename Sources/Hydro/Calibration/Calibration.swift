import Foundation

/// How the stations are weighted in the objective Σₛ wₛ (ln Lₛ,obs − ln L̂ₛ)².
public enum StationWeighting: String, Sendable, Codable, CaseIterable {
    /// wₛ = 1.
    case equal
    /// The stations' own weights (a weight column).
    case column
    /// RSPARROW's "lnload" weights: an unweighted fit first, then wₛ = 1 / (a · (ln L̂ₛ)^b) with a and b fitted
    /// to that fit's squared residuals by least squares on logarithms, scaled to a mean of 1, and a refit.
    case predictedLoadPower = "power"
}

/// Calibration settings.
public struct CalibrationOptions: Sendable, Codable, Equatable {
    public var weighting: StationWeighting = .equal
    /// Monitoring-load substitution during estimation (RSPARROW's ifadjust = 1).
    public var conditioned = true
    public var solver = BoundedLevenbergMarquardt.Options()
    public init() {}
}

/// A fitted model: estimates, their statistics and the per-station diagnostics.
public struct CalibrationResult: Sendable {
    public var model: SparrowModel
    /// All parameters (fixed ones at their values).
    public var theta: [Double]
    public var weights: [Double]
    public var solver: BoundedLevenbergMarquardt.Result
    public var statistics: CalibrationStatistics
    public var seconds: Double

    /// Parameters by name, as `run` uses them.
    public var estimates: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(model.parameters.map(\.name), theta))
    }
}

public enum Calibration {
    /// Fits the model's free parameters to the stations' observed loads.
    /// - Throws: `HydroError` for fewer stations than free parameters, a model that cannot be evaluated at
    ///   its starting values, or a singular fit (naming the parameters that cannot be told apart).
    public static func fit(_ model: SparrowModel, options: CalibrationOptions = CalibrationOptions()) throws -> CalibrationResult {
        let started = Date()
        let free = model.freeParameters
        guard !free.isEmpty else {
            throw HydroError(.invalidParameter, model.reaches.source, "no parameter is estimated (all are fixed)")
        }
        guard model.stations.count > free.count else {
            throw HydroError(.invalidInput, model.reaches.source,
                             "has \(model.stations.count) calibration stations for \(free.count) estimated parameters; at least \(free.count + 1) are needed")
        }
        var weights: [Double]
        switch options.weighting {
        case .equal, .predictedLoadPower: weights = Array(repeating: 1, count: model.stations.count)
        case .column: weights = model.stations.map(\.weight)
        }
        var result = try solve(model, weights: weights, options: options)
        if options.weighting == .predictedLoadPower {
            weights = try powerWeights(model: model, fit: result)
            result = try solve(model, weights: weights, options: options)
        }
        var theta = model.initialValues
        for (k, p) in free.enumerated() { theta[p] = result.x[k] }
        let statistics = try CalibrationStatistics(model: model, theta: theta, weights: weights, fit: result, conditioned: options.conditioned)
        return CalibrationResult(model: model, theta: theta, weights: weights, solver: result, statistics: statistics,
                                 seconds: Date().timeIntervalSince(started))
    }

    /// Weighted residuals √wₛ (ln Lₛ,obs − ln L̂ₛ) and their Jacobian for the free parameters, or nil when a
    /// station's prediction is not positive.
    public static func residuals(_ model: SparrowModel, theta: [Double], weights: [Double], conditioned: Bool, derivatives: Bool = true)
        -> (residuals: [Double], jacobian: DenseMatrix)?
    {
        let e = model.evaluate(theta, conditioned: conditioned, derivatives: derivatives)
        var r = [Double](repeating: 0, count: model.stations.count)
        for (s, station) in model.stations.enumerated() {
            let l = e.stationLoad[s]
            guard l > 0, l.isFinite else { return nil }
            r[s] = weights[s].squareRoot() * (log(station.observedLoad) - log(l))
        }
        var j = e.logJacobian ?? DenseMatrix(rows: model.stations.count, columns: 0)
        for s in 0..<j.rows {
            let w = -weights[s].squareRoot()
            for c in 0..<j.columns { j[s, c] *= w }
        }
        return (r, j)
    }

    static func solve(_ model: SparrowModel, weights: [Double], options: CalibrationOptions) throws -> BoundedLevenbergMarquardt.Result {
        let free = model.freeParameters
        var theta = model.initialValues
        return try BoundedLevenbergMarquardt.minimize(
            start: free.map { model.parameters[$0].initial }, lower: free.map { model.parameters[$0].lower },
            upper: free.map { model.parameters[$0].upper }, options: options.solver
        ) { x in
            for (k, p) in free.enumerated() { theta[p] = x[k] }
            return residuals(model, theta: theta, weights: weights, conditioned: options.conditioned)
        }
    }

    /// wₛ = 1/(a (ln L̂ₛ)^b), a and b from ln eₛ² = ln a + b ln ln L̂ₛ by least squares, scaled to mean 1.
    static func powerWeights(model: SparrowModel, fit: BoundedLevenbergMarquardt.Result) throws -> [Double] {
        var theta = model.initialValues
        for (k, p) in model.freeParameters.enumerated() { theta[p] = fit.x[k] }
        let predicted = model.evaluate(theta, conditioned: true).stationLoad
        var xs: [Double] = [], ys: [Double] = []
        for (s, r) in fit.residuals.enumerated() where predicted[s] > 1 && r != 0 {
            xs.append(log(log(predicted[s])))
            ys.append(log(r * r))
        }
        guard xs.count >= 3 else {
            throw HydroError(.invalidInput, model.reaches.source, "power weights need at least 3 stations with predicted loads above 1 kg/yr and non-zero residuals")
        }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxx = 0.0, sxy = 0.0
        for k in xs.indices { sxx += (xs[k] - mx) * (xs[k] - mx); sxy += (xs[k] - mx) * (ys[k] - my) }
        let b = sxx > 0 ? sxy / sxx : 0
        let lnA = my - b * mx
        let raw = predicted.map { l -> Double in
            let lnl = log(max(l, 1 + 1e-9))
            return 1 / exp(lnA + b * log(max(lnl, 1e-9)))
        }
        let mean = raw.reduce(0, +) / Double(raw.count)
        return raw.map { $0 / mean }
    }
}
