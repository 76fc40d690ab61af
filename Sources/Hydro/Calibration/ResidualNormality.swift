import Foundation

/// Whether a fit's station residuals look normal, as the lognormal error model behind the
/// bootstrap and the smearing factor assumes: the Shapiro–Wilk W with Royston's p-value
/// (Royston 1992; algorithm AS R94, Royston 1995, for 3 ≤ n ≤ 5000) and the probability-plot
/// correlation coefficient (PPCC: the correlation of the sorted residuals with the normal
/// quantiles at Blom's plotting positions (i − 3/8)/(n + 1/4); Filliben 1975, Looney & Gulledge 1985).
public struct ResidualNormality: Sendable, Codable, Equatable {
    public var count: Int
    public var shapiroWilkW: Double
    /// Upper-tail probability of W under normality; small values speak against normal residuals.
    public var shapiroWilkP: Double
    public var ppcc: Double

    /// nil for fewer than 3 residuals, or residuals that are all equal (neither statistic is defined).
    public init?(_ residuals: [Double]) {
        let n = residuals.count
        guard n >= 3, n <= 5000 else { return nil }
        let x = residuals.sorted()
        let mean = x.reduce(0, +) / Double(n)
        let ss = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard ss > 0, let first = x.first, let last = x.last, last - first > 1e-300 else { return nil }
        let m = (1...n).map { Normal.quantile((Double($0) - 0.375) / (Double(n) + 0.25)) }
        count = n
        ppcc = Self.correlation(x, m)
        let a = Self.shapiroWilkCoefficients(m)
        var numerator = 0.0
        for i in 0..<n { numerator += a[i] * x[i] }
        let w = min(numerator * numerator / ss, 1)
        shapiroWilkW = w
        shapiroWilkP = Self.shapiroWilkPValue(w, n: n)
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        return sxy / (sxx * syy).squareRoot()
    }

    /// c₀ + c₁x + c₂x² + …
    static func polynomial(_ c: [Double], _ x: Double) -> Double {
        c.reversed().reduce(0) { $0 * x + $1 }
    }

    /// Royston's approximation of the Shapiro–Wilk coefficients from the normal scores `m` (ascending).
    static func shapiroWilkCoefficients(_ m: [Double]) -> [Double] {
        let n = m.count
        var a = [Double](repeating: 0, count: n)
        if n == 3 {
            a[0] = -0.5.squareRoot()
            a[2] = 0.5.squareRoot()
            return a
        }
        let u = 1 / Double(n).squareRoot()
        let sumSquares = m.reduce(0) { $0 + $1 * $1 }
        let norm = sumSquares.squareRoot()
        let an = m[n - 1] / norm + polynomial([0, 0.221157, -0.147981, -2.071190, 4.434685, -2.706056], u)
        var ends = 1, phi: Double
        a[n - 1] = an
        if n > 5 {
            let an1 = m[n - 2] / norm + polynomial([0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633], u)
            a[n - 2] = an1
            ends = 2
            phi = (sumSquares - 2 * m[n - 1] * m[n - 1] - 2 * m[n - 2] * m[n - 2]) / (1 - 2 * an * an - 2 * an1 * an1)
        } else {
            phi = (sumSquares - 2 * m[n - 1] * m[n - 1]) / (1 - 2 * an * an)
        }
        let root = phi.squareRoot()
        for i in ends..<(n - ends) { a[i] = m[i] / root }
        for k in 0..<ends { a[k] = -a[n - 1 - k] }
        return a
    }

    /// Royston's normalising transformation of W (exact for n = 3).
    static func shapiroWilkPValue(_ w: Double, n: Int) -> Double {
        if n == 3 {
            return max(0, min(1, 6 / Double.pi * (asin(w.squareRoot()) - asin(0.75.squareRoot()))))
        }
        let nn = Double(n)
        var y = log(1 - w)
        let mu: Double, sigma: Double
        if n <= 11 {
            let gamma = polynomial([-2.273, 0.459], nn)
            guard y < gamma else { return 0 }
            y = -log(gamma - y)
            mu = polynomial([0.5440, -0.39978, 0.025054, -6.714e-4], nn)
            sigma = exp(polynomial([1.3822, -0.77857, 0.062767, -0.0020322], nn))
        } else {
            let ln = log(nn)
            mu = polynomial([-1.5861, -0.31082, -0.083751, 0.0038915], ln)
            sigma = exp(polynomial([-0.4803, -0.082676, 0.0030302], ln))
        }
        return Normal.upperTail((y - mu) / sigma)
    }
}

/// The standard normal distribution's tail and quantile, from the C library's erfc.
enum Normal {
    static func upperTail(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// Φ⁻¹(p) for 0 < p < 1: Halley's method on Φ(x) − p (written with erfc, so the tails keep their
    /// relative precision), from Abramowitz & Stegun 26.2.23 (within 4.5e-4); a few steps reach the last bits.
    static func quantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        // Work in the lower tail, where Φ(x) is small and erfc keeps its digits.
        let lower = min(p, 1 - p)
        let t = (-2 * log(lower)).squareRoot()
        var x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t))
        for _ in 0..<100 {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            let density = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            guard density > 0 else { break }
            let step = (cdf - lower) / density
            let next = x - step / (1 + 0.5 * x * step)
            if abs(next - x) <= 1e-15 * max(1, abs(x)) { x = next; break }
            x = next
        }
        return p <= 0.5 ? x : -x
    }
}
