import Foundation

/// Times SPARROW calibration: objective evaluations per second (with and without the Jacobian), the fit,
/// and the bootstrap.
public struct CalibrationBenchmark: Codable, Sendable {
    public var model: String
    public var reaches: Int
    public var stations: Int
    public var estimatedParameters: Int
    public var evaluationsPerSecond: Double
    public var evaluationsWithJacobianPerSecond: Double
    public var fitSeconds: Double
    public var fitIterations: Int
    public var fitEvaluations: Int
    public var bootstrapDraws: Int
    public var bootstrapSeconds: Double
    public var totalSeconds: Double

    public static func run(_ model: SparrowModel, draws: Int = 200, targets: [Int]? = nil) throws -> CalibrationBenchmark {
        let weights = Array(repeating: 1.0, count: model.stations.count)
        let theta = model.initialValues
        func rate(_ derivatives: Bool) -> Double {
            var count = 0
            let start = Date()
            repeat {
                _ = Calibration.residuals(model, theta: theta, weights: weights, conditioned: true, derivatives: derivatives)
                count += 1
            } while Date().timeIntervalSince(start) < 1 || count < 3
            return Double(count) / Date().timeIntervalSince(start)
        }
        let plain = rate(false), withJacobian = rate(true)
        let started = Date()
        let fit = try Calibration.fit(model)
        let fitSeconds = Date().timeIntervalSince(started)
        var settings = Bootstrap.Settings()
        settings.draws = draws
        let bootStart = Date()
        _ = try Bootstrap.run(fit, targets: targets ?? model.reaches.outlets, settings: settings)
        let bootSeconds = Date().timeIntervalSince(bootStart)
        return CalibrationBenchmark(
            model: (model.reaches.source as NSString).lastPathComponent, reaches: model.reaches.count, stations: model.stations.count,
            estimatedParameters: model.freeParameters.count, evaluationsPerSecond: plain, evaluationsWithJacobianPerSecond: withJacobian,
            fitSeconds: fitSeconds, fitIterations: fit.solver.iterations, fitEvaluations: fit.solver.evaluations, bootstrapDraws: draws,
            bootstrapSeconds: bootSeconds, totalSeconds: fitSeconds + bootSeconds)
    }
}

extension CalibrationBenchmark {
    /// A project's calibration: the steps through loads run first (untimed; skipped when unchanged), then
    /// the reach-table aggregation, the fits and the bootstrap of every calibrated pollutant are timed as
    /// one, and the objective's rate is measured on the first pollutant's model.
    public static func run(project: String) throws -> CalibrationBenchmark {
        let config = try ProjectConfig.load(project)
        let draws = config.calibration?.bootstrapDraws ?? 0
        _ = try ProjectRun(config).calibrate()
        let started = Date()
        let results = try ProjectRun(config).calibrate()
        let total = Date().timeIntervalSince(started)
        guard let first = results.first else { throw HydroError(.invalidInput, project, "calibrated no pollutant") }
        var r = try run(first.fit.model, draws: max(draws, 10))
        r.model = (project as NSString).lastPathComponent + " (\(results.map(\.pollutant.name).joined(separator: ", ")); rates on \(first.pollutant.name))"
        r.fitSeconds = results.reduce(0) { $0 + $1.fit.seconds }
        r.bootstrapSeconds = results.reduce(0) { $0 + ($1.bootstrap?.seconds ?? 0) }
        r.bootstrapDraws = draws
        r.totalSeconds = total
        return r
    }
}

extension ReachTable {
    /// Reaches that feed no other reach.
    public var outlets: [Int] {
        var feeds = [Bool](repeating: false, count: count)
        for (e, j) in upstreamReach.enumerated() where upstreamWeight[e] > 0 { feeds[j] = true }
        return (0..<count).filter { !feeds[$0] }
    }
}
