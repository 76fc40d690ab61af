import Foundation

/// Synthetic terrains with known structure, for the demo, tests and benchmarks.
public enum SyntheticTerrain {
    /// A river valley: the main river runs west to east down the middle and falls towards the
    /// east edge; side valleys join it from north and south; smooth value noise roughens the slopes
    /// and closed pits are punched in to give the filling something to do.
    ///
    /// The noise's coarsest lattice spans a 24th of the width. On a large grid finer octaves follow,
    /// each at half the spacing and half the amplitude (so the same slope) down to a lattice of
    /// `finestOctaveCells`, fading towards the main river:
    /// without them a large grid is a small one magnified, its hillslopes smooth planes over
    /// thousands of cells whose parallel flow lines all reach a stream threshold, and the channel
    /// share grows with the grid (at 5 km² on 90 m cells: 11 % of the cells at 2×10⁷ cells, 43 % at
    /// 2×10⁸; the China 30″ DEM at 100 km² has 6 % of its valid cells on the channel). Grids narrower
    /// than 1536 cells get no extra octave.
    ///
    /// - Parameters: cellSize in metres (projected, unnamed metric CRS unless `crs` is given).
    public static func valley(width: Int, height: Int, cellSize: Double = 30, seed: UInt64 = 1,
                              tributaries: Int = 4, pits: Int = 20, crs: CoordinateSystem = .unknownMetric) -> Grid<Float> {
        var rng = SeededGenerator(seed: seed)
        var geometry = GridGeometry.metric(width: width, height: height, cellSize: cellSize)
        geometry.crs = crs
        let noiseCell = noiseCellSize(width: width)
        let noise = ValueNoise(width: width, height: height, cell: noiseCell, seed: rng.next())
        // Seeded apart from `rng`, which places the pits: the extra octaves leave those where they were.
        let octaveCells = hasFinerOctaves(width: width) ? Array(sequence(first: noiseCell / 2) { $0 / 2 }.prefix { $0 >= finestOctaveCells }) : []
        let octaves = octaveCells.enumerated().map { k, cell in
            (noise: ValueNoise(width: width, height: height, cell: cell, seed: seed &+ 0x5EED_0C7A_0000 &+ UInt64(k)),
             amplitude: Double(sign: .plus, exponent: -(k + 1), significand: 1))
        }
        let mid = Double(height - 1) / 2
        let tributaryColumns = (0..<tributaries).map { i in Double(width) * (Double(i) + 0.6) / Double(tributaries + 1) }
        var cells = [Float](repeating: 0, count: width * height)
        let relief = Double(height) * cellSize * 0.08
        for row in 0..<height {
            let across = abs(Double(row) - mid) / max(mid, 1)
            // Divides a little inside the north and south edges, so the basin is closed there and
            // the grid's edge cells drain outwards, as on a DEM clipped with a margin.
            let acrossProfile = across < 0.9 ? across : 0.9 - (across - 0.9) * 3
            for column in 0..<width {
                let along = Double(width - 1 - column) / Double(max(width - 1, 1))
                let westRim = max(0, 1 - Double(column) / (0.05 * Double(width)))
                var z = 200 + along * relief * 0.6 + acrossProfile * relief - westRim * relief * 0.3 * (1 - across)
                // Side valleys: V-shaped notches draining to the main river.
                for tc in tributaryColumns {
                    let skew = tc + (Double(row) - mid) * 0.35
                    let d = abs(Double(column) - skew) / Double(max(width / (tributaries * 3 + 1), 1))
                    if d < 1 { z -= (1 - d) * relief * 0.25 * across }
                }
                // The finer octaves fade towards the main river (as the side valleys do), so that it
                // keeps to the middle where the sections are placed.
                var roughness = noise.value(column, row)
                for octave in octaves { roughness += octave.amplitude * across * octave.noise.value(column, row) }
                z += roughness * relief * 0.05
                cells[row * width + column] = Float(z)
            }
        }
        for _ in 0..<pits {
            let pc = Int(rng.unit() * Double(width - 4)) + 2, pr = Int(rng.unit() * Double(height - 4)) + 2
            let depth = Float(1 + rng.unit() * 5)
            for dr in -1...1 { for dc in -1...1 { cells[(pr + dr) * width + pc + dc] -= depth * (dr == 0 && dc == 0 ? 1 : 0.5) } }
        }
        return Grid(geometry: geometry, trustedCells: cells, nodata: -9999)
    }

    /// A grid gets finer noise octaves when its first one would be at least this coarse (cells), and
    /// they go down to `finestOctaveCells` (`valley`).
    public static let largeGridOctaveCells = 32

    /// The spacing (cells) of the noise's coarsest lattice: a 24th of the width.
    static func noiseCellSize(width: Int) -> Int { max(8, width / 24) }

    /// Whether a valley this wide gets the finer noise octaves (`valley`).
    public static func hasFinerOctaves(width: Int) -> Bool { noiseCellSize(width: width) >= 2 * largeGridOctaveCells }
    public static let finestOctaveCells = 8
}

/// Smooth value noise in [-1, 1]: random values on a coarse lattice, bilinearly interpolated.
struct ValueNoise {
    let lattice: [Double]
    let latticeWidth: Int
    let cell: Int

    init(width: Int, height: Int, cell: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        self.cell = cell
        latticeWidth = width / cell + 2
        let latticeHeight = height / cell + 2
        lattice = (0..<(latticeWidth * latticeHeight)).map { _ in rng.unit() * 2 - 1 }
    }

    func value(_ column: Int, _ row: Int) -> Double {
        let gx = column / cell, gy = row / cell
        let fx = Double(column % cell) / Double(cell), fy = Double(row % cell) / Double(cell)
        let a = lattice[gy * latticeWidth + gx], b = lattice[gy * latticeWidth + gx + 1]
        let c = lattice[(gy + 1) * latticeWidth + gx], d = lattice[(gy + 1) * latticeWidth + gx + 1]
        return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy
    }
}
