import Foundation

/// Shaded relief for maps: Horn's (1981) slope and aspect from a 3×3 window, lit from the
/// north-west at 45° (azimuth 315°), with per-row metric cell sizes.
public enum Hillshade {
    /// Brightness 0…255 per cell (nodata cells give 255, white).
    public static func compute(_ dem: Grid<Float>, zFactor: Double = 1) throws -> [UInt8] {
        let light = try Light(dem, zFactor: zFactor)
        var out = [UInt8](repeating: 255, count: dem.count)
        for r in 0..<dem.height {
            for c in 0..<dem.width { out[r * dem.width + c] = light.shade(column: c, row: r) }
        }
        return out
    }

    /// The shading of single cells, for a map that samples a few of a large grid's cells: the same
    /// value `compute` gives the cell.
    public struct Light {
        let dem: Grid<Float>
        let metrics: CellMetrics
        let zFactor: Double

        public init(_ dem: Grid<Float>, zFactor: Double = 1) throws {
            self.dem = dem
            metrics = try CellMetrics(dem.geometry)
            self.zFactor = zFactor
        }

        /// Brightness 0…255 of one cell (255 on nodata).
        public func shade(column c: Int, row r: Int) -> UInt8 {
            let w = dem.width, h = dem.height
            let zenith = 45.0 * .pi / 180, azimuth = (360.0 - 315.0 + 90.0) * .pi / 180
            func z(_ c: Int, _ r: Int, _ fallback: Double) -> Double {
                let cc = min(max(c, 0), w - 1), rr = min(max(r, 0), h - 1)
                let v = dem[cc, rr]
                return dem.isValid(v) ? Double(v) : fallback
            }
            let dx = metrics.width[r], dy = metrics.height[r]
            let centre = dem[c, r]
            guard dem.isValid(centre) else { return 255 }
            let e = Double(centre)
            let a = z(c - 1, r - 1, e), b = z(c, r - 1, e), cc = z(c + 1, r - 1, e)
            let d = z(c - 1, r, e), f = z(c + 1, r, e)
            let g = z(c - 1, r + 1, e), hh = z(c, r + 1, e), i = z(c + 1, r + 1, e)
            let dzdx = ((cc + 2 * f + i) - (a + 2 * d + g)) / (8 * dx) * zFactor
            let dzdy = ((g + 2 * hh + i) - (a + 2 * b + cc)) / (8 * dy) * zFactor
            let slope = atan((dzdx * dzdx + dzdy * dzdy).squareRoot())
            var aspect = atan2(dzdy, -dzdx)
            if aspect < 0 { aspect += 2 * .pi }
            let shade = cos(zenith) * cos(slope) + sin(zenith) * sin(slope) * cos(azimuth - aspect)
            return UInt8(max(0, min(255, 255 * shade)))
        }
    }
}
