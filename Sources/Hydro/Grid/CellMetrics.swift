import Foundation

/// Cell sizes in metres for every row of a grid.
///
/// Projected grids have one size for all rows. For geographic grids the sizes come from the
/// ellipsoid, per row: never from a spherical or "mid-latitude" shortcut, and never square.
/// - `width[r]`: length of the parallel through the row's centre across one cell, N(φ)·cos φ·Δλ.
/// - `height[r]`: meridian arc length between the row's bounding latitudes, ∫ M(φ) dφ.
/// - `area[r]`: exact ellipsoidal area of the cell (zone between two parallels),
///   (a²·Δλ/2)·(q(φ₂) − q(φ₁)) with the authalic function
///   q(φ) = (1 − e²)·[sin φ/(1 − e² sin²φ) − 1/(2e)·ln((1 − e sin φ)/(1 + e sin φ))]
///   (Snyder 1987, *Map Projections — A Working Manual*, USGS PP 1395, eq. 3-12).
/// - `diagonal[r]`: distance between the centres of diagonal neighbours, √(width² + height²).
public struct CellMetrics: Sendable {
    public let width: [Double]
    public let height: [Double]
    public let area: [Double]
    public let diagonal: [Double]
    public let isUniform: Bool

    public init(_ geometry: GridGeometry) throws {
        let t = geometry.transform
        guard t.isNorthUp else {
            throw HydroError(.invalidInput, "geotransform", "rotated grids are not supported (warp to a north-up grid first)")
        }
        let rows = geometry.height
        if geometry.crs.isGeographic {
            let ellipsoid = geometry.crs.ellipsoid
            let toRadians = geometry.crs.angularUnitRadians
            let dLambda = abs(t.pixelWidth) * toRadians
            var w = [Double](repeating: 0, count: rows)
            var h = w, a = w, d = w
            for r in 0..<rows {
                let phiTop = (t.originY + Double(r) * t.pixelHeight) * toRadians
                let phiBottom = (t.originY + Double(r + 1) * t.pixelHeight) * toRadians
                let lo = min(phiTop, phiBottom), hi = max(phiTop, phiBottom)
                guard lo >= -.pi / 2 - 1e-12, hi <= .pi / 2 + 1e-12 else {
                    throw HydroError(.invalidInput, "geotransform", "row \(r) lies beyond the poles (latitude outside ±90°)")
                }
                let mid = (lo + hi) / 2
                w[r] = Geodesy.parallelArc(latitude: mid, longitudeSpan: dLambda, ellipsoid)
                h[r] = Geodesy.meridianArc(from: lo, to: hi, ellipsoid)
                a[r] = Geodesy.zoneArea(from: lo, to: hi, longitudeSpan: dLambda, ellipsoid)
                d[r] = (w[r] * w[r] + h[r] * h[r]).squareRoot()
            }
            width = w; height = h; area = a; diagonal = d
            isUniform = false
        } else {
            let unit = geometry.crs.linearUnitMetres
            let cw = abs(t.pixelWidth) * unit, ch = abs(t.pixelHeight) * unit
            width = Array(repeating: cw, count: rows)
            height = Array(repeating: ch, count: rows)
            area = Array(repeating: cw * ch, count: rows)
            diagonal = Array(repeating: (cw * cw + ch * ch).squareRoot(), count: rows)
            isUniform = true
        }
    }
}

/// Closed-form ellipsoid formulas used for cell sizes.
public enum Geodesy {
    /// Length of a parallel arc at `latitude` spanning `longitudeSpan` radians.
    public static func parallelArc(latitude phi: Double, longitudeSpan: Double, _ e: Ellipsoid) -> Double {
        let s = sin(phi)
        let n = e.semiMajorAxis / (1 - e.eccentricitySquared * s * s).squareRoot()
        return n * cos(phi) * longitudeSpan
    }

    /// Meridian arc length between two latitudes (radians), by Simpson's rule on
    /// M(φ) = a(1 − e²)/(1 − e² sin²φ)^{3/2} over 8 panels: exact to far below a millimetre for cells up to a degree.
    public static func meridianArc(from phi1: Double, to phi2: Double, _ e: Ellipsoid) -> Double {
        let e2 = e.eccentricitySquared
        func m(_ phi: Double) -> Double {
            let s = sin(phi)
            let k = 1 - e2 * s * s
            return e.semiMajorAxis * (1 - e2) / (k * k.squareRoot())
        }
        let panels = 8
        let step = (phi2 - phi1) / Double(panels)
        var sum = m(phi1) + m(phi2)
        for i in 1..<panels { sum += m(phi1 + Double(i) * step) * (i % 2 == 1 ? 4 : 2) }
        return abs(sum * step / 3)
    }

    /// Authalic function q(φ) (Snyder 1987, eq. 3-12); for a sphere q = 2 sin φ.
    static func authalicQ(_ phi: Double, _ e: Ellipsoid) -> Double {
        let e2 = e.eccentricitySquared
        let s = sin(phi)
        guard e2 > 0 else { return 2 * s }
        let ecc = e2.squareRoot()
        return (1 - e2) * (s / (1 - e2 * s * s) - 1 / (2 * ecc) * log((1 - ecc * s) / (1 + ecc * s)))
    }

    /// Area of the ellipsoid between two parallels over `longitudeSpan` radians of longitude.
    public static func zoneArea(from phi1: Double, to phi2: Double, longitudeSpan: Double, _ e: Ellipsoid) -> Double {
        let a = e.semiMajorAxis
        return abs(a * a * longitudeSpan / 2 * (authalicQ(phi2, e) - authalicQ(phi1, e)))
    }
}
