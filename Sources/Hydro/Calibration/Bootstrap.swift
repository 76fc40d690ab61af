import Foundation

/// SPARROW's parametric bootstrap of predictions (Schwarz et al. 2006, §1.5.3 and appendix A): each draw takes
/// coefficients β* = β̂ + H z (HHᵀ the estimated covariance, z standard normal, each clipped to its bounds),
/// routes the loads with them, and multiplies each target's load by exp(e*) for a residual e* drawn with
/// replacement from the leverage-adjusted residuals. Shares by origin are computed in every draw.
public enum Bootstrap {
    public struct Settings: Sendable, Equatable, Codable {
        public var draws = 200
        public var seed: UInt64 = 1
        /// Interval coverage (0.9 → 90 % intervals).
        public var level = 0.9
        public init() {}
    }

    /// A point value with its interval.
    public struct Interval: Sendable, Equatable, Codable {
        public var value: Double
        public var lower: Double
        public var upper: Double
    }

    public struct Result: Sendable {
        public var settings: Settings
        /// The reaches summarised (sections), in the order asked for.
        public var targets: [Int]
        public var groupNames: [String]
        /// Mean load at each target: L̂ × the smearing factor, with its prediction interval.
        public var loads: [Interval]
        /// shares[target][group]: the share of the target's load from the group, with its interval.
        public var shares: [[Interval]]
        /// originLoads[target][group]: the mean load from the group (× the smearing factor), with its interval.
        public var originLoads: [[Interval]]
        /// drawLoads[draw][target × groups + group]: each draw's load from each group at each target,
        /// residual factor included (so ledger amounts can be recomputed draw by draw).
        public var drawLoads: [[Double]]
        /// Coefficient draws (draws × estimated parameters).
        public var coefficientDraws: [[Double]]
        public var seconds: Double
    }

    /// The bounds of a `level` interval from sorted bootstrap replicates by SPARROW's rank rule (Schwarz et al.
    /// 2006, appendix A): ⌈level·R⌉ replicates inside, the excluded ones split with the odd one at the top.
    public static func interval(_ values: [Double], level: Double) -> (lower: Double, upper: Double) {
        let sorted = values.sorted()
        let r = sorted.count
        guard r > 0 else { return (.nan, .nan) }
        let inside = min(r, Int((level * Double(r)).rounded(.up)))
        let excluded = r - inside
        let lowerRank = excluded / 2 + 1
        let upperRank = lowerRank + inside - 1
        return (sorted[lowerRank - 1], sorted[upperRank - 1])
    }

    public static func run(_ fit: CalibrationResult, targets: [Int], settings: Settings = Settings()) throws -> Result {
        let started = Date()
        let model = fit.model
        guard settings.draws >= 10 else { throw HydroError(.invalidParameter, "bootstrap draws", "must be at least 10, not \(settings.draws)") }
        guard settings.level > 0, settings.level < 1 else { throw HydroError(.invalidParameter, "bootstrap level", "must lie in (0, 1), not \(settings.level)") }
        for t in targets where t < 0 || t >= model.reaches.count {
            throw HydroError(.invalidParameter, "bootstrap targets", "reach \(t) is not on the network")
        }
        let free = model.freeParameters
        let covariance = fit.statistics.covariance
        // A perfect fit (zero residuals) has a zero covariance: every draw is the estimate.
        let perfect = covariance.values.allSatisfy { $0 == 0 }
        guard let h = perfect ? DenseMatrix(rows: covariance.rows, columns: covariance.columns) : LinearAlgebra.cholesky(covariance) else {
            throw HydroError(.invalidInput, model.reaches.source, "the estimated covariance is not positive definite; the bootstrap needs it")
        }
        let residuals = fit.statistics.adjustedResiduals
        var rng = SeededGenerator(seed: settings.seed)
        let groups = max(1, model.reaches.groupNames.count)
        var drawLoads: [[Double]] = []
        var coefficientDraws: [[Double]] = []
        var totals = [[Double]](repeating: [], count: targets.count)
        var shareDraws = [[[Double]]](repeating: [[Double]](repeating: [], count: groups), count: targets.count)
        for _ in 0..<settings.draws {
            let z = free.map { _ in rng.standardNormal() }
            var theta = fit.theta
            var coefficients: [Double] = []
            for (a, p) in free.enumerated() {
                var v = fit.theta[p]
                for b in 0...a { v += h[a, b] * z[b] }
                v = min(max(v, model.parameters[p].lower), model.parameters[p].upper)
                theta[p] = v
                coefficients.append(v)
            }
            coefficientDraws.append(coefficients)
            let routed = model.loadsByOrigin(theta)
            var row = [Double](repeating: 0, count: targets.count * groups)
            for (k, t) in targets.enumerated() {
                let e = residuals.isEmpty ? 0 : residuals[Int(rng.next() % UInt64(residuals.count))]
                let factor = exp(e)
                var total = 0.0
                for g in 0..<groups { total += routed.loads[t * groups + g] }
                for g in 0..<groups {
                    row[k * groups + g] = routed.loads[t * groups + g] * factor
                    shareDraws[k][g].append(total > 0 ? routed.loads[t * groups + g] / total : 0)
                }
                totals[k].append(total * factor)
            }
            drawLoads.append(row)
        }
        let point = model.loadsByOrigin(fit.theta)
        var loads: [Interval] = []
        var shares: [[Interval]] = []
        var originLoads: [[Interval]] = []
        for (k, t) in targets.enumerated() {
            originLoads.append((0..<groups).map { g in
                let b = interval(drawLoads.map { $0[k * groups + g] }, level: settings.level)
                return Interval(value: point.loads[t * groups + g] * fit.statistics.smearingFactor, lower: b.lower, upper: b.upper)
            })
            var total = 0.0
            for g in 0..<groups { total += point.loads[t * groups + g] }
            let bounds = interval(totals[k], level: settings.level)
            loads.append(Interval(value: total * fit.statistics.smearingFactor, lower: bounds.lower, upper: bounds.upper))
            shares.append((0..<groups).map { g in
                let b = interval(shareDraws[k][g], level: settings.level)
                return Interval(value: total > 0 ? point.loads[t * groups + g] / total : 0, lower: b.lower, upper: b.upper)
            })
        }
        return Result(settings: settings, targets: targets, groupNames: model.reaches.groupNames.isEmpty ? ["all"] : model.reaches.groupNames,
                      loads: loads, shares: shares, originLoads: originLoads, drawLoads: drawLoads, coefficientDraws: coefficientDraws,
                      seconds: Date().timeIntervalSince(started))
    }
}

extension Bootstrap.Result {
    /// The same draws with the groups merged into coarser units (counties into provinces): `mapping[g]`
    /// is the unit of group g (0..<names.count). Each unit's load in a draw is the sum of its groups'
    /// loads, its share that sum over the draw's total (the draw's residual factor cancels), and the
    /// point values are the sums of the groups' point values; the section loads are unchanged.
    /// - Precondition: `mapping.count == groupNames.count` and every entry lies in `0..<names.count`.
    public func grouped(_ mapping: [Int], names: [String]) -> Bootstrap.Result {
        precondition(mapping.count == groupNames.count && mapping.allSatisfy { $0 >= 0 && $0 < names.count }, "grouping does not fit the groups")
        let groups = groupNames.count, units = names.count
        var out = self
        out.groupNames = names
        out.drawLoads = drawLoads.map { row in
            var merged = [Double](repeating: 0, count: targets.count * units)
            for k in targets.indices { for g in 0..<groups { merged[k * units + mapping[g]] += row[k * groups + g] } }
            return merged
        }
        out.originLoads = []
        out.shares = []
        for k in targets.indices {
            var point = [Double](repeating: 0, count: units)
            for g in 0..<groups { point[mapping[g]] += originLoads[k][g].value }
            let pointTotal = point.reduce(0, +)
            var origin: [Bootstrap.Interval] = [], share: [Bootstrap.Interval] = []
            for u in 0..<units {
                let loads = out.drawLoads.map { $0[k * units + u] }
                let shares = out.drawLoads.map { row -> Double in
                    let total = (0..<units).reduce(0.0) { $0 + row[k * units + $1] }
                    return total > 0 ? row[k * units + u] / total : 0
                }
                let l = Bootstrap.interval(loads, level: settings.level), s = Bootstrap.interval(shares, level: settings.level)
                origin.append(Bootstrap.Interval(value: point[u], lower: l.lower, upper: l.upper))
                share.append(Bootstrap.Interval(value: pointTotal > 0 ? point[u] / pointTotal : 0, lower: s.lower, upper: s.upper))
            }
            out.originLoads.append(origin)
            out.shares.append(share)
        }
        return out
    }
}
