/// Flow split among several downslope neighbours (D-infinity, MFD): for every cell, the share
/// of its water that goes to each of its eight neighbours (internal direction order, see `D8`).
///
/// Shares of a cell sum to 1, or to 0 for a sink; a share pointing off the grid or into nodata
/// leaves the domain there.
public struct FlowProportions: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case d8, dinf, mfd
    }

    /// Metadata key naming the flow method inside a written flow raster.
    public static let methodMetadataKey = "HYDROTOOL_FLOW_METHOD"

    public var geometry: GridGeometry
    /// `shares[cell * 8 + k]`: fraction of the cell's water sent towards direction k.
    public var shares: [Float]
    /// Which cells hold a value (false for nodata).
    public var valid: [Bool]
    public var method: Method

    /// The D8 directions as proportions (one neighbour with share 1).
    public init(_ directions: FlowDirections) {
        geometry = directions.geometry
        method = .d8
        let n = geometry.cellCount
        var shares = [Float](repeating: 0, count: n * 8)
        for i in 0..<n where directions.codes[i] < 8 { shares[i * 8 + Int(directions.codes[i])] = 1 }
        self.shares = shares
        valid = directions.codes.map { $0 != D8.noData }
    }

    init(geometry: GridGeometry, shares: [Float], valid: [Bool], method: Method) {
        self.geometry = geometry
        self.shares = shares
        self.valid = valid
        self.method = method
    }

    /// Index of the neighbour in direction k of cell i, or nil outside the grid or on nodata.
    @inline(__always) func neighbour(_ i: Int, _ k: Int) -> Int? {
        let w = geometry.width
        let r = i / w + D8.dy[k], c = i % w + D8.dx[k]
        guard r >= 0, c >= 0, r < geometry.height, c < w else { return nil }
        let j = r * w + c
        return valid[j] ? j : nil
    }

    /// Eight bands of shares (band k+1 = direction k: E, SE, S, SW, W, NW, N, NE), nodata -1.
    public func bands() -> [Grid<Float>] {
        let n = geometry.cellCount
        return (0..<8).map { k in
            let cells = (0..<n).map { valid[$0] ? shares[$0 * 8 + k] : -1 }
            return Grid(geometry: geometry, trustedCells: cells, nodata: -1)
        }
    }

    /// Reads the eight share bands back.
    public init(bands: [Grid<Float>], method: Method, source: String) throws {
        guard bands.count == 8 else {
            throw HydroError(.invalidInput, source, "a flow-proportion raster has 8 bands (E, SE, S, SW, W, NW, N, NE), this one has \(bands.count)")
        }
        let geometry = bands[0].geometry
        let n = geometry.cellCount
        var shares = [Float](repeating: 0, count: n * 8)
        var valid = [Bool](repeating: true, count: n)
        for (k, band) in bands.enumerated() {
            try geometry.requireSame(as: band.geometry, source)
            for i in 0..<n {
                let v = band.cells[i]
                if !band.isValid(v) { valid[i] = false; continue }
                guard v >= 0, v <= 1.0001 else {
                    throw HydroError(.invalidInput, source, "band \(k + 1) holds \(v) at cell \(i % geometry.width),\(i / geometry.width); shares lie in 0…1")
                }
                shares[i * 8 + k] = v
            }
        }
        self.init(geometry: geometry, shares: shares, valid: valid, method: method)
    }

    /// D-infinity angles: radians counter-clockwise from east (TauDEM's convention); -1 where a
    /// cell has no outflow, nodata -9999. Exact inverse of `init(dinfAngles:)`.
    public func dinfAngles() -> Grid<Float> {
        let n = geometry.cellCount
        var cells = [Float](repeating: -9999, count: n)
        for i in 0..<n where valid[i] {
            cells[i] = -1
            for m in 0..<8 {
                let here = shares[i * 8 + DInfinity.internalDirection(counterClockwise: m)]
                let next = shares[i * 8 + DInfinity.internalDirection(counterClockwise: m + 1)]
                if here > 0 && next > 0 { cells[i] = (Float(m) + next) * .pi / 4; break }
                if here == 1 { cells[i] = Float(m) * .pi / 4; break }
            }
        }
        return Grid(geometry: geometry, trustedCells: cells, nodata: -9999)
    }

    /// Proportions from a D-infinity angle raster: flow splits between the two directions
    /// bracketing each angle in proportion to the angles (Tarboton 1997); negative angles are sinks.
    public init(dinfAngles grid: Grid<Float>, source: String) throws {
        let n = grid.count
        var shares = [Float](repeating: 0, count: n * 8)
        var valid = [Bool](repeating: true, count: n)
        for i in 0..<n {
            let a = grid.cells[i]
            guard grid.isValid(a) else { valid[i] = false; continue }
            if a < 0 { continue }
            guard a <= 2 * .pi + 1e-5 else {
                throw HydroError(.invalidInput, source, "angle \(a) at cell \(i % grid.width),\(i / grid.width) is not in 0…2π radians")
            }
            // An exact cardinal or diagonal angle stored as Float32 comes back a hair off kπ/4; without
            // snapping, the hair would become a tiny share to the neighbouring (uphill) direction, and
            // with it a cycle. Float32 angles are good to ~1e-7 of a sector, so 1e-5 is safe.
            var sectors = a / (.pi / 4)
            let nearest = sectors.rounded()
            if abs(sectors - nearest) < 1e-5 { sectors = nearest }
            if sectors >= 8 { sectors -= 8 }
            let sector = min(Int(sectors), 7)
            let fraction = sectors - Float(sector)
            shares[i * 8 + DInfinity.internalDirection(counterClockwise: sector)] += 1 - fraction
            if fraction > 0 { shares[i * 8 + DInfinity.internalDirection(counterClockwise: sector + 1)] += fraction }
        }
        self.init(geometry: grid.geometry, shares: shares, valid: valid, method: .dinf)
    }
}
