import Foundation

/// The Student t distribution's tail probabilities, from the regularised incomplete beta function.
public enum StudentT {
    /// I_x(a, b), the regularised incomplete beta function, by the continued fraction of
    /// Numerical Recipes (Press et al. 2007, 3rd ed., §6.4) evaluated with the modified Lentz method
    /// (Lentz 1976; Thompson & Barnett 1986), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the
    /// fraction converges slowly. Accurate to about 1e-14 relative.
    public static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        precondition(a > 0 && b > 0, "incomplete beta needs a, b > 0")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(lnFront) * continuedFraction(a, b, x) / a
        }
        return 1 - exp(lnFront) * continuedFraction(b, a, 1 - x) / b
    }

    /// The continued fraction for I_x(a, b) (Numerical Recipes' betacf), by modified Lentz.
    static func continuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    /// P(|T| ≥ |t|) for T with `degreesOfFreedom` degrees of freedom: I_{ν/(ν+t²)}(ν/2, 1/2).
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        guard nu > 0 else { return .nan }
        return regularizedIncompleteBeta(nu / 2, 0.5, nu / (nu + t * t))
    }
}

extension SeededGenerator {
    /// A standard normal draw (Box–Muller on two uniforms; the second value is not kept, so every
    /// draw uses exactly two outputs of the generator and sequences stay aligned across runs).
    public mutating func standardNormal() -> Double {
        var u1 = unit()
        while u1 <= 0 { u1 = unit() }
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
