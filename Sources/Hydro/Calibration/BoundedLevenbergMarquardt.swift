import Foundation

/// Bounded nonlinear least squares: minimise ½‖r(x)‖² subject to lower ≤ x ≤ upper, by a projected
/// Levenberg–Marquardt method with Marquardt's diagonal scaling (Marquardt 1963, SIAM J. Appl. Math.
/// 11:431–441, https://doi.org/10.1137/0111030; Moré 1978, "The Levenberg–Marquardt algorithm:
/// implementation and theory", Lecture Notes in Mathematics 630:105–116, https://doi.org/10.1007/BFb0067700).
///
/// Each iteration fixes the variables held at a bound by the gradient (the active set), solves
/// (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr for the others, projects x + δ onto the box, and accepts the step when
/// the sum of squares falls (λ shrinks tenfold) or rejects it (λ grows tenfold).
public enum BoundedLevenbergMarquardt {
    public struct Options: Sendable, Equatable, Codable {
        /// Stop when every free variable's scaled gradient |gᵢ| / (‖Jᵢ‖·‖r‖) is at most this (MINPACK's gtol).
        public var gradientTolerance = 1e-10
        /// Stop when an accepted step changes the sum of squares by less than this relative amount and
        /// moves no variable by more than `stepTolerance` relative to its size.
        public var relativeReductionTolerance = 1e-14
        public var stepTolerance = 1e-10
        public var maxIterations = 500
        public init() {}
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var residuals: [Double]
        public var jacobian: DenseMatrix
        public var sumOfSquares: Double
        public var iterations: Int
        /// Residual evaluations (with or without the Jacobian).
        public var evaluations: Int
        public var converged: Bool
        public var reason: String
        /// Which variables ended on a bound.
        public var atBound: [Bool]
    }

    /// - Parameters:
    ///   - evaluate: residuals and Jacobian at x, or nil when the model cannot be evaluated there (for
    ///     example a non-positive prediction at a station); such a trial step is rejected.
    public static func minimize(start: [Double], lower: [Double], upper: [Double], options: Options = Options(),
                                evaluate: ([Double]) -> (residuals: [Double], jacobian: DenseMatrix)?) throws -> Result {
        let n = start.count
        precondition(lower.count == n && upper.count == n)
        var x = (0..<n).map { min(max(start[$0], lower[$0]), upper[$0]) }
        guard var current = evaluate(x) else {
            throw HydroError(.invalidParameter, "calibration", "the model cannot be evaluated at the initial parameter values (a station's predicted load is not positive)")
        }
        var evaluations = 1
        var sse = current.residuals.reduce(0) { $0 + $1 * $1 }
        var lambda = 1e-3
        var iterations = 0
        var reason = "iteration limit reached"
        var converged = false
        func atBounds(_ x: [Double]) -> [Bool] { (0..<n).map { x[$0] <= lower[$0] || x[$0] >= upper[$0] } }
        while iterations < options.maxIterations {
            iterations += 1
            let a = current.jacobian.gram
            let g = current.jacobian.transposeMultiplied(by: current.residuals)
            let rNorm = sse.squareRoot()
            if rNorm == 0 { converged = true; reason = "zero residual"; break }
            // Variables pressed against a bound by the descent direction −g stay there this iteration.
            let free = (0..<n).filter { i in
                !((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0))
            }
            let scaledGradient = free.map { i -> Double in
                let column = a[i, i].squareRoot()
                return column > 0 ? abs(g[i]) / (column * rNorm) : 0
            }.max() ?? 0
            if scaledGradient <= options.gradientTolerance {
                converged = true
                reason = "scaled gradient \(String(format: "%.1e", scaledGradient)) ≤ \(options.gradientTolerance)"
                break
            }
            var accepted = false
            while !accepted {
                var m = DenseMatrix(rows: free.count, columns: free.count)
                for (p, i) in free.enumerated() {
                    for (q, j) in free.enumerated() { m[p, q] = a[i, j] }
                    m[p, p] += lambda * max(a[i, i], 1e-300)
                }
                guard let l = LinearAlgebra.cholesky(m) else {
                    lambda *= 10
                    if lambda > 1e16 { break }
                    continue
                }
                let delta = LinearAlgebra.solve(cholesky: l, free.map { -g[$0] })
                var trial = x
                for (p, i) in free.enumerated() { trial[i] = min(max(x[i] + delta[p], lower[i]), upper[i]) }
                var largestStep = 0.0
                for i in 0..<n { largestStep = max(largestStep, abs(trial[i] - x[i]) / max(abs(x[i]), 1e-8)) }
                evaluations += 1
                if let next = evaluate(trial) {
                    let trialSSE = next.residuals.reduce(0) { $0 + $1 * $1 }
                    if trialSSE.isFinite && trialSSE < sse {
                        let reduction = (sse - trialSSE) / sse
                        x = trial
                        current = next
                        sse = trialSSE
                        lambda = max(lambda / 10, 1e-12)
                        accepted = true
                        if reduction <= options.relativeReductionTolerance && largestStep <= options.stepTolerance {
                            converged = true
                            reason = "relative reduction \(String(format: "%.1e", reduction)) and step \(String(format: "%.1e", largestStep)) below tolerance"
                        }
                        continue
                    }
                }
                if largestStep <= 1e-15 {
                    // No representable step lowers the sum of squares: the minimum at machine precision.
                    converged = true
                    reason = "no step lowers the sum of squares (minimum at machine precision)"
                    break
                }
                lambda *= 10
                if lambda > 1e16 { break }
            }
            if converged { break }
            if !accepted {
                // Even a vanishing gradient step does not lower the sum of squares: a stationary point.
                converged = true
                reason = "no step lowers the sum of squares (stationary at machine precision)"
                break
            }
        }
        return Result(x: x, residuals: current.residuals, jacobian: current.jacobian, sumOfSquares: sse, iterations: iterations,
                      evaluations: evaluations, converged: converged, reason: reason, atBound: atBounds(x))
    }
}
