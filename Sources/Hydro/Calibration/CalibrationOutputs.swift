import Foundation

/// The fit summary written as calibration_fit.json.
public struct CalibrationSummary: Codable, Sendable, Equatable {
    public var model: String
    public var reaches: Int
    public var stations: Int
    public var estimatedParameters: Int
    public var degreesOfFreedom: Int
    public var weighting: String
    public var monitoringLoadSubstitution: Bool
    public var conditioned: FitMetrics
    public var unconditioned: FitMetrics
    public var eigenvalueSpread: Double
    public var eigenvalues: [Double]
    public var smearingFactor: Double
    /// Shapiro–Wilk W and p, and the PPCC, of the estimation residuals.
    public var residualNormality: ResidualNormality?
    public var converged: Bool
    public var stopReason: String
    public var iterations: Int
    public var evaluations: Int
    public var tolerances: BoundedLevenbergMarquardt.Options
    public var parameters: [ParameterEstimate]
    public var bootstrap: BootstrapSummary?

    public struct BootstrapSummary: Codable, Sendable, Equatable {
        public var draws: Int
        public var seed: UInt64
        public var level: Double
    }

    public init(_ fit: CalibrationResult, options: CalibrationOptions, bootstrap: Bootstrap.Settings?) {
        let st = fit.statistics
        model = (fit.model.reaches.source as NSString).lastPathComponent
        reaches = fit.model.reaches.count
        stations = fit.model.stations.count
        estimatedParameters = fit.model.freeParameters.count
        degreesOfFreedom = st.degreesOfFreedom
        weighting = options.weighting.rawValue
        monitoringLoadSubstitution = options.conditioned
        conditioned = st.conditioned
        unconditioned = st.unconditioned
        eigenvalueSpread = st.eigenvalueSpread
        eigenvalues = st.eigenvalues
        smearingFactor = st.smearingFactor
        residualNormality = st.normality
        converged = fit.solver.converged
        stopReason = fit.solver.reason
        iterations = fit.solver.iterations
        evaluations = fit.solver.evaluations
        tolerances = options.solver
        parameters = st.parameters
        self.bootstrap = bootstrap.map { BootstrapSummary(draws: $0.draws, seed: $0.seed, level: $0.level) }
    }
}

/// Writes a calibration's tables: parameters, fit summary, per-station residuals (CSV and a GeoJSON point
/// layer for a residual map), per-reach predictions and, with a bootstrap, load and share intervals.
public enum CalibrationOutputs {
    public static let files = ["calibration_parameters.csv", "calibration_fit.json", "calibration_residuals.csv",
                               "calibration_residuals.geojson", "calibration_predictions.csv", "calibration_intervals.csv"]

    public static func parametersCSV(_ fit: CalibrationResult) -> String {
        let model = fit.model
        var estimates: [String: ParameterEstimate] = [:]
        for e in fit.statistics.parameters { estimates[e.name] = e }
        let rows = model.parameters.enumerated().map { k, p -> [String] in
            let e = estimates[p.name]
            return [p.name, p.kind.rawValue, fmt(fit.theta[k]), e.map { fmt($0.standardError) } ?? "", e.map { fmt($0.t) } ?? "",
                    e.map { fmt($0.pValue) } ?? "", e.map { fmt($0.vif) } ?? "", fmt(p.initial), fmt(p.lower), fmt(p.upper),
                    p.isFixed ? "fixed" : "estimated", (e?.atBound ?? false) ? "yes" : "no"]
        }
        return CSVWriter.text(header: ["parameter", "type", "estimate", "standard_error", "t", "p_value", "vif", "initial", "minimum",
                                       "maximum", "status", "at_bound"], rows: rows)
    }

    public static func residualsCSV(_ fit: CalibrationResult) -> String {
        let rows = fit.statistics.stations.map { s in
            [s.station, s.reach, fmt(s.observed), fmt(s.predictedConditioned), fmt(s.predictedUnconditioned), fmt(s.weight),
             fmt(s.residual), fmt(s.unconditionedResidual), fmt(s.standardizedResidual), fmt(s.leverage), s.highLeverage ? "yes" : "no",
             fmt(s.cooksDistance)]
        }
        return CSVWriter.text(header: ["station", "reach", "observed_kg_yr", "predicted_conditioned_kg_yr", "predicted_unconditioned_kg_yr",
                                       "weight", "residual", "residual_unconditioned", "standardized_residual", "leverage",
                                       "high_leverage", "cooks_distance"], rows: rows)
    }

    public static func predictionsCSV(_ fit: CalibrationResult) -> String {
        let model = fit.model
        let conditioned = model.evaluate(fit.theta, conditioned: true).load
        let unconditioned = model.evaluate(fit.theta, conditioned: false)
        let smear = fit.statistics.smearingFactor
        let rows = (0..<model.reaches.count).map { i in
            [model.reaches.ids[i], fmt(unconditioned.incremental[i]), fmt(conditioned[i]), fmt(unconditioned.load[i]), fmt(unconditioned.load[i] * smear)]
        }
        return CSVWriter.text(header: ["reach", "incremental_kg_yr", "load_conditioned_kg_yr", "load_unconditioned_kg_yr", "mean_load_kg_yr"], rows: rows)
    }

    public static func intervalsCSV(_ fit: CalibrationResult, _ boot: Bootstrap.Result) -> String {
        let percent = fmtShort(100 * boot.settings.level)
        var rows: [[String]] = []
        for (k, t) in boot.targets.enumerated() {
            let load = boot.loads[k]
            for (g, name) in boot.groupNames.enumerated() {
                let s = boot.shares[k][g]
                rows.append([fit.model.reaches.ids[t], fmt(load.value), fmt(load.lower), fmt(load.upper), name, fmt(s.value), fmt(s.lower), fmt(s.upper)])
            }
        }
        return CSVWriter.text(header: ["reach", "load_kg_yr", "load_lower_\(percent)", "load_upper_\(percent)", "origin", "share",
                                       "share_lower_\(percent)", "share_upper_\(percent)"], rows: rows)
    }

    /// Station points with their residuals, for a residual map (stations without coordinates are left out).
    public static func residualLayer(_ fit: CalibrationResult, crs: CoordinateSystem) -> VectorLayer {
        let fields = [FieldDefinition("station", .string), FieldDefinition("reach", .string), FieldDefinition("observed_kg_yr", .real),
                      FieldDefinition("predicted_kg_yr", .real), FieldDefinition("residual", .real),
                      FieldDefinition("standardized_residual", .real), FieldDefinition("leverage", .real), FieldDefinition("cooks_distance", .real)]
        var features: [Feature] = []
        for (s, station) in fit.model.stations.enumerated() {
            guard let x = station.longitude, let y = station.latitude else { continue }
            let d = fit.statistics.stations[s]
            features.append(Feature(geometry: .point(Coordinate(x, y)), attributes: [
                "station": .string(d.station), "reach": .string(d.reach), "observed_kg_yr": .real(d.observed),
                "predicted_kg_yr": .real(d.predictedConditioned), "residual": .real(d.residual),
                "standardized_residual": .real(d.standardizedResidual), "leverage": .real(d.leverage), "cooks_distance": .real(d.cooksDistance),
            ]))
        }
        return VectorLayer(name: "calibration_residuals", fields: fields, features: features, crs: crs)
    }

    public static func summaryJSON(_ summary: CalibrationSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
    }

    /// Writes every table into `folder` (each file atomically); returns the files written.
    @discardableResult
    public static func write(_ fit: CalibrationResult, options: CalibrationOptions, bootstrap: Bootstrap.Result?, crs: CoordinateSystem?,
                             to folder: String, overwrite: Bool) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { URL(fileURLWithPath: folder).appendingPathComponent(name).path }
        func text(_ name: String, _ content: String) throws {
            try AtomicOutput.write(content, to: path(name), overwrite: overwrite)
        }
        var written: [String] = []
        try text("calibration_parameters.csv", parametersCSV(fit)); written.append("calibration_parameters.csv")
        try text("calibration_fit.json", summaryJSON(CalibrationSummary(fit, options: options, bootstrap: bootstrap?.settings)))
        written.append("calibration_fit.json")
        try text("calibration_residuals.csv", residualsCSV(fit)); written.append("calibration_residuals.csv")
        try text("calibration_predictions.csv", predictionsCSV(fit)); written.append("calibration_predictions.csv")
        if let bootstrap {
            try text("calibration_intervals.csv", intervalsCSV(fit, bootstrap)); written.append("calibration_intervals.csv")
        }
        if let crs, fit.model.stations.contains(where: { $0.longitude != nil && $0.latitude != nil }) {
            try VectorWriter.write(residualLayer(fit, crs: crs), to: path("calibration_residuals.geojson"), overwrite: overwrite)
            written.append("calibration_residuals.geojson")
        }
        return written
    }
}
