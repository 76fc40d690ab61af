import ArgumentParser
import Foundation
import Hydro

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit SPARROW coefficients to monitored loads (bounded Levenberg–Marquardt), with statistics and bootstrap intervals.",
        discussion: Examples.text("""
        --sparrow DIR reads a model in RSPARROW's conventions (data1.csv, parameters.csv, design_matrix.csv, optional dataDictionary.csv) \
        and writes calibration_parameters.csv, calibration_fit.json, calibration_residuals.csv(.geojson with lat/lon), \
        calibration_predictions.csv and, with --bootstrap N, calibration_intervals.csv (loads and shares by --group at the outlets or --targets).
        """, [("Calibrate an RSPARROW model with 200 bootstrap draws of shares by state", "hydrotool calibrate --sparrow model/ --bootstrap 200 --group state"),
              ("The same with power-of-load weights into another folder", "hydrotool calibrate --sparrow model/ --weights power --output fit-power")]))

    @Argument(help: "Project file with a [calibration] table (or use --sparrow).") var project: String?
    @Option(help: "Folder with an RSPARROW model: data1.csv, parameters.csv, design_matrix.csv.") var sparrow: String?
    @Option(help: "Output folder (default: calibration/ inside the --sparrow folder).") var output: String?
    @Option(help: "Station weights: equal, column (data1's weight) or power (fitted to the residuals of a first fit).") var weights = "equal"
    @Flag(name: .customLong("no-substitution"), help: "Estimate without monitoring-load substitution (unconditioned predictions).") var noSubstitution = false
    @Option(help: "Bootstrap draws (0: none).") var bootstrap = 0
    @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
    @Option(help: "Interval coverage, e.g. 0.9.") var level = 0.9
    @Option(help: "data1.csv column grouping reaches by origin (e.g. a state or county code) for shares.") var group: String?
    @Option(help: "Comma-separated waterids summarised by the bootstrap (default: the outlets).") var targets: String?
    @Flag(help: "Do not mean-centre the delivery variables.") var noMeanAdjust = false
    @Flag(help: "Replace existing outputs.") var overwrite = false
    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print no summary.") var quiet = false

    func run() throws {
        guard let sparrow else {
            guard let project else { throw HydroError(.invalidParameter, "calibrate", "give a project file or --sparrow DIR") }
            var config = try ProjectConfig.load(project)
            if let output { config.output = URL(fileURLWithPath: output).standardizedFileURL.path }
            let run = try ProjectRun(config, progress: quiet ? .silent : TerminalProgress.make(),
                                     log: { message in if !quiet { TerminalProgress.log(message) } })
            for r in try run.calibrate() where !quiet {
                // Shares at the project's first level, origins by name.
                let first = r.byLevel.first
                summarise(r.fit, written: r.folder, header: r.pollutant.name, bootstrap: first?.result ?? r.bootstrap, sections: r.sections,
                          labels: first?.labels)
            }
            return
        }
        guard let weighting = StationWeighting(rawValue: weights) else {
            throw HydroError(.invalidParameter, "--weights", "'\(weights)' is not equal, column or power")
        }
        try OptionCheck.integer(bootstrap, in: 0...100_000, "--bootstrap")
        guard level > 0, level < 1 else { throw HydroError(.invalidParameter, "--level", "must lie strictly between 0 and 1") }
        let model = try SparrowInput.read(directory: sparrow, groupColumn: group, meanAdjustDelivery: !noMeanAdjust)
        var options = CalibrationOptions()
        options.weighting = weighting
        options.conditioned = !noSubstitution
        let fit = try Calibration.fit(model, options: options)
        var boot: Bootstrap.Result?
        if bootstrap > 0 {
            var settings = Bootstrap.Settings()
            settings.draws = bootstrap
            settings.seed = seed
            settings.level = level
            var chosen = model.reaches.outlets
            if let targets {
                let index = Dictionary(model.reaches.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                chosen = try targets.split(separator: ",").map { id in
                    let key = id.trimmingCharacters(in: .whitespaces)
                    guard let r = index[key] else { throw HydroError(.invalidParameter, "--targets", "no reach has waterid '\(key)'") }
                    return r
                }
            }
            boot = try Bootstrap.run(fit, targets: chosen, settings: settings)
        }
        let folder = output ?? URL(fileURLWithPath: sparrow).appendingPathComponent("calibration").path
        let crs = try CoordinateSystem.parse("EPSG:4326")
        let written = try CalibrationOutputs.write(fit, options: options, bootstrap: boot, crs: crs, to: folder, overwrite: overwrite)
        guard !quiet else { return }
        summarise(fit, written: "\(folder): \(written.joined(separator: ", "))", header: nil, bootstrap: nil, sections: [])
    }

    func summarise(_ fit: CalibrationResult, written: String, header: String?, bootstrap: Bootstrap.Result?, sections: [String],
                   labels: [String]? = nil) {
        let model = fit.model
        let st = fit.statistics
        if let header { print("\(header):") }
        print("\(model.reaches.count) reaches, \(model.stations.count) stations, \(model.freeParameters.count) estimated parameters; \(fit.solver.converged ? "converged" : "NOT converged") after \(fit.solver.iterations) iterations (\(fit.solver.reason))")
        for p in st.parameters {
            print("  " + p.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: " %12.6g  SE %10.4g  t %8.3f  p %8.4f  VIF %7.2f%@", p.estimate, p.standardError, p.t, p.pValue, p.vif, p.atBound ? "  (at bound)" : ""))
        }
        print(String(format: "  conditioned: RMSE %.4f, R² %.4f, adj. R² %.4f, yield R² %.4f, PBIAS %.2f %%; unconditioned: RMSE %.4f, R² %.4f",
                     st.conditioned.rmse, st.conditioned.rSquared, st.conditioned.adjustedRSquared, st.conditioned.yieldRSquared,
                     st.conditioned.percentBias, st.unconditioned.rmse, st.unconditioned.rSquared))
        print(String(format: "  eigenvalue spread %.3g, smearing factor %.4f", st.eigenvalueSpread, st.smearingFactor))
        if let normal = st.normality {
            print(String(format: "  residual normality: Shapiro–Wilk W %.4f (p %.3g), PPCC %.4f over %d stations",
                         normal.shapiroWilkW, normal.shapiroWilkP, normal.ppcc, normal.count))
        }
        if let bootstrap {
            let percent = Int((100 * bootstrap.settings.level).rounded())
            for (k, section) in sections.enumerated() where k < bootstrap.shares.count {
                let load = bootstrap.loads[k]
                var parts: [String] = []
                for (g, code) in bootstrap.groupNames.enumerated() {
                    let name = labels.flatMap { g < $0.count ? $0[g] : nil } ?? code
                    let share: Bootstrap.Interval = bootstrap.shares[k][g]
                    if share.value < 0.005 { continue }
                    let figures: [Double] = [100 * share.value, 100 * share.lower, 100 * share.upper]
                    parts.append(name + String(format: " %.1f %% (%.1f–%.1f %%)", figures[0], figures[1], figures[2]))
                }
                print(String(format: "  %@: %.1f t/yr (%.1f–%.1f, %d %%); ", section, load.value / 1000, load.lower / 1000, load.upper / 1000, percent) + parts.joined(separator: ", "))
            }
        }
        print("written to \(written)")
    }
}

extension BenchCommand {
    struct CalibrateBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calibrate",
            abstract: "Time SPARROW calibration: objective evaluations per second, the fit and a 200-draw bootstrap.",
            discussion: Examples.text("""
            --synthetic N writes a seeded N-reach model in RSPARROW's conventions to a temporary folder, reads it back and times it.
            """, [("An 11,000-reach synthetic SPARROW model", "hydrotool bench calibrate --synthetic 11000"),
                  ("An RSPARROW model folder, as JSON", "hydrotool bench calibrate --sparrow model/ --json")]))
        @Option(help: "Folder with an RSPARROW model.") var sparrow: String?
        @Option(help: "Project file with a [calibration] table (calibrated twice; the second, with the steps up to loads skipped, is timed).") var project: String?
        @Option(help: "Reaches of a synthetic model to generate instead.") var synthetic: Int?
        @Option(help: "Stations of the synthetic model.") var stations = 300
        @Option(help: "Bootstrap draws.") var draws = 200
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try OptionCheck.integer(draws, in: 10...100_000, "--draws")
            let model: SparrowModel
            if let project {
                let r = try CalibrationBenchmark.run(project: project)
                if json { try printJSON(r); return }
                print(String(format: "%@: %d reaches, %d stations, %d parameters\n  objective %.0f evaluations/s (with Jacobian %.0f/s)\n  fits %.3f s, bootstrap %d draws %.3f s; calibrate (aggregation, fits, bootstrap, outputs) %.3f s",
                             r.model, r.reaches, r.stations, r.estimatedParameters, r.evaluationsPerSecond, r.evaluationsWithJacobianPerSecond,
                             r.fitSeconds, r.bootstrapDraws, r.bootstrapSeconds, r.totalSeconds))
                return
            }
            if let synthetic {
                try OptionCheck.integer(synthetic, in: 20...5_000_000, "--synthetic")
                try OptionCheck.integer(stations, in: 10...synthetic, "--stations")
                var settings = SyntheticSparrowModel.Settings()
                settings.reaches = synthetic
                settings.stations = stations
                settings.noise = 0.3
                let made = try SyntheticSparrowModel.make(settings)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hydrotool-bench-sparrow-\(getpid())").path
                defer { try? FileManager.default.removeItem(atPath: folder) }
                try SparrowInput.write(made.model, to: folder, groupColumn: "state")
                model = try SparrowInput.read(directory: folder, groupColumn: "state")
            } else if let sparrow {
                model = try SparrowInput.read(directory: sparrow)
            } else {
                throw HydroError(.invalidParameter, "bench calibrate", "give --sparrow DIR or --synthetic N")
            }
            let r = try CalibrationBenchmark.run(model, draws: draws)
            if json { try printJSON(r); return }
            print(String(format: "%@: %d reaches, %d stations, %d parameters\n  objective %.0f evaluations/s (with Jacobian %.0f/s)\n  fit %.3f s (%d iterations, %d evaluations), bootstrap %d draws %.3f s, total %.3f s",
                         r.model, r.reaches, r.stations, r.estimatedParameters, r.evaluationsPerSecond, r.evaluationsWithJacobianPerSecond,
                         r.fitSeconds, r.fitIterations, r.fitEvaluations, r.bootstrapDraws, r.bootstrapSeconds, r.totalSeconds))
        }
    }
}
