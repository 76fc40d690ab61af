/// Shapley values for splitting a cost among parties: each party's average marginal
/// contribution over all orders of joining (Shapley 1953).
public enum Shapley {
    public struct Result: Sendable, Equatable {
        public var values: [Double]
        /// Standard error of each value when sampled (0 when exact).
        public var standardErrors: [Double]
        public var exact: Bool
    }

    /// Exact over all 2^n coalitions for up to 16 parties; above that, by `samples` random orders
    /// (seeded, so reproducible) with the standard error of each estimate.
    public static func values(parties n: Int, samples: Int = 20_000, seed: UInt64 = 1,
                              worth: ([Bool]) -> Double) -> Result {
        guard n > 0 else { return Result(values: [], standardErrors: [], exact: true) }
        if n <= 16 {
            var factorial = [Double](repeating: 1, count: n + 1)
            for i in 1...n { factorial[i] = factorial[i - 1] * Double(i) }
            var memo = [Double](repeating: 0, count: 1 << n)
            var members = [Bool](repeating: false, count: n)
            for mask in 0..<(1 << n) {
                for i in 0..<n { members[i] = mask & (1 << i) != 0 }
                memo[mask] = worth(members)
            }
            var phi = [Double](repeating: 0, count: n)
            for mask in 0..<(1 << n) {
                let size = mask.nonzeroBitCount
                for i in 0..<n where mask & (1 << i) == 0 {
                    let weight = factorial[size] * factorial[n - size - 1] / factorial[n]
                    phi[i] += weight * (memo[mask | (1 << i)] - memo[mask])
                }
            }
            return Result(values: phi, standardErrors: [Double](repeating: 0, count: n), exact: true)
        }
        var rng = SeededGenerator(seed: seed)
        var sum = [Double](repeating: 0, count: n), sumSquares = sum
        var order = Array(0..<n)
        var members = [Bool](repeating: false, count: n)
        for _ in 0..<samples {
            order.shuffle(using: &rng)
            for i in 0..<n { members[i] = false }
            var previous = worth(members)
            for i in order {
                members[i] = true
                let current = worth(members)
                let marginal = current - previous
                sum[i] += marginal
                sumSquares[i] += marginal * marginal
                previous = current
            }
        }
        let m = Double(samples)
        let mean = sum.map { $0 / m }
        let errors = (0..<n).map { i in (max(0, sumSquares[i] / m - mean[i] * mean[i]) / m).squareRoot() }
        return Result(values: mean, standardErrors: errors, exact: false)
    }
}
