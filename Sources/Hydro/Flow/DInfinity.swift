import Foundation

/// D-infinity flow directions (Tarboton 1997, "A new method for the determination of flow
/// directions and upslope areas in grid digital elevation models", Water Resources Research
/// 33(2):309–319, doi:10.1029/96WR03137).
///
/// The steepest downslope direction is sought on the eight triangular facets formed by the cell
/// centre and two adjacent neighbours; flow is split between the two neighbours bracketing that
/// direction in proportion to the angles. Distances are the grid's per-row metres, so facets are
/// right triangles with legs of the cell width and height (not assumed square). Where no facet
/// slopes down (flats, outlets at the edge), the D8 direction with flats drained is used.
public enum DInfinity {
    /// The internal direction (clockwise from east) of the m-th direction counter-clockwise from east.
    @inline(__always) static func internalDirection(counterClockwise m: Int) -> Int { (8 - (m & 7)) & 7 }

    public static func compute(_ dem: Grid<Float>, d8: FlowDirections) throws -> FlowProportions {
        try dem.geometry.requireSame(as: d8.geometry, "D8 directions")
        let width = dem.width, height = dem.height, n = dem.count
        let metrics = try CellMetrics(dem.geometry)
        var proportions = FlowProportions(d8)
        proportions.method = .dinf
        let z = dem.cells
        // Facets in Tarboton's order: (cardinal neighbour, diagonal neighbour) as internal directions.
        let facets: [(Int, Int)] = [(0, 7), (6, 7), (6, 5), (4, 5), (4, 3), (2, 3), (2, 1), (0, 1)]
        for i in 0..<n where d8.codes[i] < 8 {
            let row = i / width, column = i % width
            let zc = Double(z[i])
            var best = 0.0
            var bestFacet = -1
            var bestR = 0.0
            for (f, facet) in facets.enumerated() {
                let (cardinal, diagonal) = facet
                guard let e1 = neighbourIndex(row, column, cardinal, width, height, z, dem.nodata),
                      let e2 = neighbourIndex(row, column, diagonal, width, height, z, dem.nodata) else { continue }
                let horizontal = D8.dy[cardinal] == 0
                let d1 = horizontal ? metrics.width[row] : metrics.height[row]
                let d2 = horizontal ? metrics.height[row] : metrics.width[row]
                let s1 = (zc - Double(z[e1])) / d1
                let s2 = (Double(z[e1]) - Double(z[e2])) / d2
                var r = atan2(s2, s1)
                var s: Double
                let rMax = atan2(d2, d1)
                if r < 0 {
                    r = 0; s = s1
                } else if r > rMax {
                    r = rMax; s = (zc - Double(z[e2])) / (d1 * d1 + d2 * d2).squareRoot()
                } else {
                    s = (s1 * s1 + s2 * s2).squareRoot()
                }
                if s > best { best = s; bestFacet = f; bestR = r / rMax }
            }
            guard bestFacet >= 0 else { continue }  // flat or outlet: keep D8
            let (cardinal, diagonal) = facets[bestFacet]
            for k in 0..<8 { proportions.shares[i * 8 + k] = 0 }
            // bestR is the fraction of the way from the cardinal to the diagonal direction.
            proportions.shares[i * 8 + cardinal] = Float(1 - bestR)
            proportions.shares[i * 8 + diagonal] += Float(bestR)
        }
        return proportions
    }

    @inline(__always)
    static func neighbourIndex(_ row: Int, _ column: Int, _ k: Int, _ width: Int, _ height: Int,
                               _ z: [Float], _ nodata: Float?) -> Int? {
        let r = row + D8.dy[k], c = column + D8.dx[k]
        guard r >= 0, c >= 0, r < height, c < width else { return nil }
        let j = r * width + c
        let v = z[j]
        return v.isNaN || v == nodata ? nil : j
    }
}

/// Multiple flow directions (Quinn et al. 1991, Hydrological Processes 5:59–79; Freeman 1991,
/// Computers & Geosciences 17:413–422): water goes to every lower neighbour in proportion to
/// (tan β)^p, with tan β the drop per metre and p the exponent (Freeman's 1.1 by default; 1 gives
/// Quinn's weighting without contour lengths). Flats and outlets keep their D8 direction.
public enum MultipleFlowDirection {
    public static func compute(_ dem: Grid<Float>, d8: FlowDirections, exponent: Double = 1.1) throws -> FlowProportions {
        guard exponent > 0, exponent.isFinite else {
            throw HydroError(.invalidParameter, "--exponent", "must be positive, got \(exponent)")
        }
        try dem.geometry.requireSame(as: d8.geometry, "D8 directions")
        let width = dem.width, height = dem.height, n = dem.count
        let distances = NeighbourDistances(try CellMetrics(dem.geometry)).distance
        var proportions = FlowProportions(d8)
        proportions.method = .mfd
        let z = dem.cells
        var weights = [Double](repeating: 0, count: 8)
        for i in 0..<n where d8.codes[i] < 8 {
            let row = i / width, column = i % width
            var total = 0.0
            for k in 0..<8 {
                weights[k] = 0
                guard let j = DInfinity.neighbourIndex(row, column, k, width, height, z, dem.nodata), z[j] < z[i] else { continue }
                let w = pow(Double(z[i] - z[j]) / distances[row * 8 + k], exponent)
                weights[k] = w
                total += w
            }
            guard total > 0 else { continue }
            for k in 0..<8 { proportions.shares[i * 8 + k] = Float(weights[k] / total) }
        }
        return proportions
    }
}
