import Foundation

/// The report's calibration part, from the calibration record: per pollutant the estimates (SE, t,
/// p, VIF), the fit statistics conditioned and unconditioned, eigenvalue spread, smearing factor,
/// residual normality (Shapiro–Wilk, PPCC),
/// bootstrap settings, and the stations' residuals with leverage and Cook's D flags.
enum CalibrationReport {
    /// Cook's D above 4/n marks an influential station (a common rule of thumb; RSPARROW lists the values).
    static func influential(_ d: StationDiagnostics, stations: Int) -> Bool { stations > 0 && d.cooksDistance > 4 / Double(stations) }

    static func html(_ record: CalibrationRecord) -> String {
        var s = "<section id=\"calibration\"><h2>模型率定 Calibration (SPARROW)</h2>\n"
        for entry in record.pollutants {
            s += "<h3>\(HTML.escape(entry.pollutant))</h3>\n"
            guard let fit = entry.fit else {
                s += "<p>Coefficients only (calibrate again for the statistics): "
                    + HTML.escape(entry.coefficients.sorted { $0.key < $1.key }.map { "\($0.key) \(ReportNumber.short($0.value))" }.joined(separator: ", ")) + "</p>\n"
                continue
            }
            let converged = fit.converged ? "converged" : "<b>NOT converged</b>"
            s += "<p>\(ReportNumber.grouped(Int64(fit.reaches))) reaches, \(fit.stations) stations, \(fit.estimatedParameters) estimated parameters, \(fit.degreesOfFreedom) degrees of freedom; weights \(HTML.escape(fit.weighting)); monitoring-load substitution \(fit.monitoringLoadSubstitution ? "on" : "off"); \(converged) after \(fit.iterations) iterations (\(HTML.escape(fit.stopReason))).</p>\n"
            let estimates = fit.parameters.map { p in
                [p.name, p.kind.rawValue, number(p.estimate), number(p.standardError), number(p.t), pValue(p.pValue), number(p.vif), p.atBound ? "yes" : ""]
            }
            s += HTML.keep("<h4>估计值 Estimates</h4>", HTML.table(["参数 Parameter", "类型 Type", "估计 Estimate", "标准误 SE", "t", "p", "VIF", "边界 At bound"],
                                                                 estimates, numericFrom: 2, tableClass: "estimates"))
            let metrics: [(String, (FitMetrics) -> String)] = [
                ("SSE", { number($0.sse) }), ("MSE", { number($0.mse) }), ("RMSE", { number($0.rmse) }), ("R²", { fixed($0.rSquared) }),
                ("adj. R²", { fixed($0.adjustedRSquared) }), ("yield R²", { fixed($0.yieldRSquared) }),
                ("PBIAS (%)", { ReportNumber.fixed($0.percentBias, decimals: 2) }),
            ]
            let fitRows = [("条件 Conditioned", fit.conditioned), ("无条件 Unconditioned", fit.unconditioned)].map { name, m in [name] + metrics.map { $0.1(m) } }
            s += HTML.keep("<h4>拟合统计 Fit statistics (log space)</h4>", HTML.table(["预测 Predictions"] + metrics.map(\.0), fitRows, numericFrom: 1, tableClass: "fit"))
            var facts = "特征值比 Eigenvalue spread \(number(fit.eigenvalueSpread)) (eigenvalues \(fit.eigenvalues.map(number).joined(separator: ", "))); "
                + "平滑因子 smearing factor \(ReportNumber.fixed(fit.smearingFactor, decimals: 4))"
            if let n = fit.residualNormality {
                facts += "; 残差正态性 residual normality: Shapiro–Wilk W \(ReportNumber.fixed(n.shapiroWilkW, decimals: 3)), p \(pValue(n.shapiroWilkP)), PPCC \(ReportNumber.fixed(n.ppcc, decimals: 3))"
            }
            if let b = fit.bootstrap {
                facts += "; 自助法 bootstrap: \(b.draws) draws, seed \(b.seed), \(fmtShort(100 * b.level)) % intervals"
            }
            s += "<p>\(HTML.escape(facts)).</p>\n"
            if let stations = entry.diagnostics, !stations.isEmpty {
                let n = stations.count
                let leverageLimit = 3 * Double(fit.estimatedParameters) / Double(n)
                let rows = stations.map { d -> [String] in
                    var flags: [String] = []
                    if d.highLeverage { flags.append("high leverage") }
                    if influential(d, stations: n) { flags.append("influential") }
                    return [d.station, number(d.observed), number(d.predictedConditioned), number(d.predictedUnconditioned), fixed(d.residual),
                            fixed(d.unconditionedResidual), fixed(d.standardizedResidual), fixed(d.leverage), fixed(d.cooksDistance), flags.joined(separator: ", ")]
                }
                s += HTML.keep("<h4>站点残差 Station residuals (ln observed − ln predicted)</h4>",
                               HTML.table(["站点 Station", "实测 Observed (kg/yr)", "条件预测 Predicted, conditioned", "无条件预测 Predicted, unconditioned",
                                           "残差 Residual", "无条件残差 Unconditioned", "标准化 Standardised", "杠杆 Leverage", "Cook's D", "提示 Flags"],
                                          rows, numericFrom: 1, numeric: [], tableClass: "residuals")
                               + "<p class=\"note\">High leverage: above 3p/n = \(ReportNumber.fixed(leverageLimit, decimals: 3)); influential: Cook's D above 4/n = \(ReportNumber.fixed(4 / Double(n), decimals: 3)).</p>")
            }
        }
        return s + "</section>\n"
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "–" : (v > 0 ? "∞" : "−∞") }
        let a = abs(v)
        if a != 0 && (a < 1e-3 || a >= 1e7) { return String(format: "%.3e", v) }
        return ReportNumber.plain(v)
    }

    static func fixed(_ v: Double) -> String { v.isFinite ? ReportNumber.fixed(v, decimals: 3) : number(v) }

    static func pValue(_ p: Double) -> String {
        guard p.isFinite else { return "–" }
        return p < 0.0001 ? "< 0.0001" : ReportNumber.fixed(p, decimals: 4)
    }
}
