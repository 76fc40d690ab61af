import XCTest
@testable import Hydro

final class DepressionFillingTests: XCTestCase {
    /// The depression-free surface by Planchon & Darboux (2001) relaxation: independent of
    /// Priority-Flood and slow, but simple enough to trust on small grids.
    private func planchonDarboux(_ dem: Grid<Float>) -> [Float] {
        let w = dem.width, h = dem.height
        var surface = dem.cells.enumerated().map { i, z -> Float in
            guard dem.isValid(z) else { return z }
            let r = i / w, c = i % w
            var boundary = r == 0 || c == 0 || r == h - 1 || c == w - 1
            for k in 0..<8 where !boundary {
                if !dem.isValid(at: (r + D8.dy[k]) * w + c + D8.dx[k]) { boundary = true }
            }
            return boundary ? z : .infinity
        }
        var changed = true
        while changed {
            changed = false
            for i in 0..<dem.count where surface[i] > dem.cells[i] && dem.isValid(at: i) {
                let r = i / w, c = i % w
                var lowest = Float.infinity
                for k in 0..<8 {
                    let j = (r + D8.dy[k]) * w + c + D8.dx[k]
                    if dem.isValid(at: j) { lowest = min(lowest, surface[j]) }
                }
                let level = max(dem.cells[i], lowest)
                if level < surface[i] { surface[i] = level; changed = true }
            }
        }
        return surface
    }

    private func randomDEM(width: Int, height: Int, seed: UInt64, holes: Bool = false) -> Grid<Float> {
        var rng = SeededGenerator(seed: seed)
        var g = grid((0..<height).map { _ in (0..<width).map { _ in Float(Int(rng.unit() * 20)) } })
        if holes {
            for _ in 0..<(width * height / 50) { g.cells[Int(rng.unit() * Double(g.count))] = -9999 }
        }
        return g
    }

    func testPitOfKnownVolumeFillsToItsSpillLevel() throws {
        // A 5x5 basin at 2 m inside a rim at 10 m with a notch at 8 m: fills to 8 m.
        var rows = [[Float]](repeating: [Float](repeating: 10, count: 7), count: 7)
        for r in 1...5 { for c in 1...5 { rows[r][c] = 2 } }
        rows[0][3] = 8
        var dem = grid(rows, cellSize: 10)
        let report = try DepressionFilling.fill(&dem)
        for r in 1...5 { for c in 1...5 { XCTAssertEqual(dem[c, r], 8) } }
        XCTAssertEqual(dem[0, 0], 10)
        XCTAssertEqual(report.raisedCells, 25)
        XCTAssertEqual(report.volume, 25 * 6 * 100, accuracy: 1e-9)
    }

    func testNestedDepressionsFillToTheKnownSurface() throws {
        // Profile: edge 5, inner pits 1 and 2 separated by a 4 m ridge, enclosed by 9 m walls: all fill to 5 via the notch.
        let dem0 = grid([
            [9, 9, 9, 9, 9, 9, 9],
            [9, 1, 1, 4, 2, 2, 9],
            [9, 1, 1, 4, 2, 2, 5],
            [9, 9, 9, 9, 9, 9, 9],
        ])
        var dem = dem0
        _ = try DepressionFilling.fill(&dem)
        XCTAssertEqual(dem.cells, grid([
            [9, 9, 9, 9, 9, 9, 9],
            [9, 5, 5, 5, 5, 5, 9],
            [9, 5, 5, 5, 5, 5, 5],
            [9, 9, 9, 9, 9, 9, 9],
        ]).cells)
        XCTAssertEqual(dem.cells, planchonDarboux(dem0))
    }

    func testFillEqualsIndependentFillOnRandomDEMs() throws {
        for seed in 1...12 {
            let dem0 = randomDEM(width: 40, height: 30, seed: UInt64(seed), holes: seed % 3 == 0)
            var dem = dem0
            _ = try DepressionFilling.fill(&dem)
            let expected = planchonDarboux(dem0)
            let differing = (0..<dem.count).filter { dem.cells[$0] != expected[$0] }
            XCTAssertEqual(differing.count, 0, "seed \(seed): first differing cell \(differing.first ?? -1)")
            for i in 0..<dem.count { XCTAssertGreaterThanOrEqual(dem.cells[i], dem0.cells[i]) }
        }
    }

    /// Flooding in strips joined through their watersheds' spill levels (Barnes 2016) gives the
    /// very surface of flooding in one piece, whatever the strip and thread counts.
    func testStripFloodingEqualsOnePiece() throws {
        for seed in 1...12 {
            let dem0 = randomDEM(width: 37, height: 41, seed: UInt64(100 + seed), holes: seed % 3 == 0)
            var whole = dem0
            var options = FillOptions(threads: 1)
            options.strips = 1
            let wholeReport = try DepressionFilling.fill(&whole, options: options)
            XCTAssertEqual(whole.cells, planchonDarboux(dem0), "seed \(seed)")
            for strips in [2, 3, 5, 8] {
                for threads in [1, 2] {
                    var pieces = dem0
                    options.strips = strips
                    options.threads = threads
                    let report = try DepressionFilling.fill(&pieces, options: options)
                    let differing = (0..<pieces.count).filter { pieces.cells[$0] != whole.cells[$0] }
                    XCTAssertEqual(differing.count, 0, "seed \(seed), \(strips) strips: first differing cell \(differing.first ?? -1)")
                    XCTAssertEqual(report.raisedCells, wholeReport.raisedCells, "seed \(seed), \(strips) strips")
                    XCTAssertEqual(report.volume, wholeReport.volume, accuracy: max(1e-9 * wholeReport.volume, 1e-6))
                }
            }
        }
        // A basin crossing every strip edge: its spill level comes from the bottom row only.
        var bowl = grid((0..<20).map { r in (0..<9).map { c in (r == 0 || c == 0 || c == 8) ? Float(50) : (r == 19 ? (c == 4 ? 7 : 50) : 1) } })
        var options = FillOptions()
        options.strips = 4
        _ = try DepressionFilling.fill(&bowl, options: options)
        for r in 1..<19 { for c in 1..<8 { XCTAssertEqual(bowl[c, r], 7, "cell \(c),\(r)") } }
    }

    func testStripFloodingEqualsOnePieceOnRealDEMs() throws {
        for name in ["guizhou_dem_1km/chishui_basin_dem_1km.tif", "small_dem_lidar_depressions/dem.tif"] {
            let dem0 = try RasterReader.read(try TestPaths.shared(name), as: Float.self)
            var whole = dem0
            var options = FillOptions(threads: 1)
            options.strips = 1
            let wholeReport = try DepressionFilling.fill(&whole, options: options)
            for strips in [2, 7] {
                var pieces = dem0
                options.strips = strips
                options.threads = 2
                let report = try DepressionFilling.fill(&pieces, options: options)
                XCTAssertEqual((0..<pieces.count).filter { pieces.cells[$0] != whole.cells[$0] }.count, 0, "\(name), \(strips) strips")
                XCTAssertEqual(report.raisedCells, wholeReport.raisedCells, name)
                XCTAssertEqual(report.volume, wholeReport.volume, accuracy: 1e-9 * wholeReport.volume, name)
            }
        }
    }

    func testEpsilonFillDrainsEveryCell() throws {
        for seed in 1...6 {
            let dem0 = randomDEM(width: 30, height: 30, seed: UInt64(seed), holes: seed % 2 == 0)
            var dem = dem0
            _ = try DepressionFilling.fill(&dem, options: FillOptions(epsilon: true))
            let exact = planchonDarboux(dem0)
            let directions = try D8FlowDirection.compute(dem, resolveFlats: false)
            assertEveryCellReachesAnOutlet(directions)
            for i in 0..<dem.count where dem0.isValid(at: i) {
                XCTAssertGreaterThanOrEqual(dem.cells[i], exact[i])
                XCTAssertLessThan(dem.cells[i] - exact[i], 0.01, "epsilon raises by Float steps only")
            }
        }
    }

    func testMaxDepthKeepsDeepSinks() throws {
        var rows = [[Float]](repeating: [Float](repeating: 10, count: 9), count: 5)
        rows[2][2] = 9     // 1 m deep: filled
        rows[2][6] = 0     // 10 m deep: kept
        var dem = grid(rows)
        let report = try DepressionFilling.fill(&dem, options: FillOptions(maxDepth: 5))
        XCTAssertEqual(dem[2, 2], 10)
        XCTAssertEqual(dem[6, 2], 0)
        XCTAssertEqual(report.keptSinks, 1)
        XCTAssertEqual(report.raisedCells, 1)
        let directions = try D8FlowDirection.compute(dem)
        XCTAssertEqual(directions.codes[2 * 9 + 6], D8.noFlow, "the kept sink is a real sink")
    }

    func testNodataIsAnOutletAndStaysNodata() throws {
        var dem = grid([
            [9, 9, 9, 9, 9],
            [9, 5, 5, 5, 9],
            [9, 5, -9999, 5, 9],
            [9, 5, 5, 5, 9],
            [9, 9, 9, 9, 9],
        ])
        _ = try DepressionFilling.fill(&dem)
        XCTAssertEqual(dem[1, 1], 5, "cells around an interior hole drain into it")
        XCTAssertEqual(dem[2, 2], -9999)
    }
}

final class FlowDirectionTests: XCTestCase {
    func testTiltedPlanesDrainDownTheSteepestDirection() throws {
        // z = x + y falling towards the north-west (row 0 is north): steepest is NW, not N or W.
        let plane = grid((0..<9).map { r in (0..<9).map { c in Float(c + r) } }, cellSize: 10)
        let d = try D8FlowDirection.compute(plane)
        for r in 1..<8 { for c in 1..<8 { XCTAssertEqual(d.codes[r * 9 + c], 5) } }
        // z falls eastwards only: E everywhere in the interior.
        let east = grid((0..<5).map { _ in (0..<9).map { c in Float(100 - 3 * c) } }, cellSize: 10)
        let e = try D8FlowDirection.compute(east)
        for r in 1..<4 { for c in 0..<8 { XCTAssertEqual(e.codes[r * 9 + c], 0) } }
        XCTAssertEqual(e.encoded(.esri).cells[2 * 9 + 3], 1)
        XCTAssertEqual(e.encoded(.whitebox).cells[2 * 9 + 3], 2)
        XCTAssertEqual(e.encoded(.taudem).cells[2 * 9 + 3], 1)
        XCTAssertEqual(e.encoded(.grass).cells[2 * 9 + 3], 8)
    }

    func testRectangularCellsWeightDropsByDistance() throws {
        // Cells 10 m wide and 100 m tall: a drop of 2 m northwards (0.02 m/m) loses to 1 m eastwards (0.1 m/m).
        let geometry = GridGeometry(width: 3, height: 3,
                                    transform: GeoTransform(originX: 0, pixelWidth: 10, originY: 300, pixelHeight: -100),
                                    crs: .unknownMetric)
        let dem = try Grid<Float>(geometry: geometry, cells: [8, 8, 8, 10, 10, 9, 12, 12, 12], nodata: -9999)
        let d = try D8FlowDirection.compute(dem)
        XCTAssertEqual(d.codes[4], 0, "east: 1 m over 10 m beats 2 m over 100 m")
    }

    func testVValleyDrainsToItsOutlet() throws {
        let width = 21, height = 11, mid = 5
        let dem = grid((0..<height).map { r in (0..<width).map { c in Float(abs(r - mid) * 10 + (width - c)) } }, cellSize: 30)
        let d = try D8FlowDirection.compute(dem)
        for c in 0..<(width - 1) { XCTAssertEqual(d.codes[mid * width + c], 0, "valley floor flows east") }
        for r in 1..<mid { XCTAssertEqual(d.codes[r * width + 5], 2, "north side flows south") }
        for r in (mid + 1)..<(height - 1) { XCTAssertEqual(d.codes[r * width + 5], 6, "south side flows north") }
        assertEveryCellReachesAnOutlet(d)
        let acc = try FlowAccumulation.accumulate(d)
        XCTAssertEqual(acc.values.cells[mid * width + width - 1], Double(width * height))
        XCTAssertEqual(acc.values.cells[mid * width + 10], Double(11 * height), "columns 0…10 all drain through it")
    }

    func testFlatWithOneOutletDrainsEntirelyToIt() throws {
        // A 9x9 flat at 10 m walled at 20 m, with one notch at 5 m in the east wall.
        let n = 11
        var rows = [[Float]](repeating: [Float](repeating: 20, count: n), count: n)
        for r in 1...9 { for c in 1...9 { rows[r][c] = 10 } }
        rows[5][10] = 5
        let dem = grid(rows)
        let d = try D8FlowDirection.compute(dem)
        assertEveryCellReachesAnOutlet(d)
        let acc = try FlowAccumulation.accumulate(d)
        let outlet = 5 * n + 10
        XCTAssertEqual(acc.values.cells[outlet], Double(n * n), "walls and flat all drain through the notch")
        // Every flat cell's path ends in the notch.
        for r in 1...9 {
            for c in 1...9 {
                var cell = r * n + c
                while let next = d.downstream(of: cell) { cell = next }
                XCTAssertEqual(cell, outlet, "cell \(c),\(r)")
            }
        }
        // Converging, not parallel: the cell in front of the notch gathers a large share of the flat.
        XCTAssertGreaterThan(acc.values.cells[5 * n + 9], 40)
        // Away from higher terrain: a cell next to the wall does not drain along the wall.
        XCTAssertNotEqual(d.codes[1 * n + 5], 0)
        XCTAssertNotEqual(d.codes[1 * n + 5], 4)
    }

    func testDirectionsAreIdenticalForAnyThreadCount() throws {
        var dem = SyntheticTerrain.valley(width: 257, height: 193, seed: 7)
        _ = try DepressionFilling.fill(&dem)
        let one = try D8FlowDirection.compute(dem, threads: 1)
        let two = try D8FlowDirection.compute(dem, threads: 2)
        let four = try D8FlowDirection.compute(dem, threads: 4)
        XCTAssertEqual(one.codes, two.codes)
        XCTAssertEqual(one.codes, four.codes)
    }

    func testEncodingsRoundTripAndRejectForeignValues() throws {
        var dem = SyntheticTerrain.valley(width: 60, height: 40, seed: 3)
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        for encoding in D8Encoding.allCases {
            let back = try FlowDirections(decoding: d.encoded(encoding), encoding: encoding, source: "d.tif")
            XCTAssertEqual(back.codes, d.codes)
        }
        var bad = d.encoded(.esri)
        bad.cells[5] = 3
        XCTAssertThrowsError(try FlowDirections(decoding: bad, encoding: .esri, source: "d.tif")) { error in
            XCTAssertTrue("\(error)".hasPrefix("d.tif: value 3 at column 5, row 0"))
        }
    }
}

final class AccumulationTests: XCTestCase {
    func testAccumulationConservesCellsAndWeightsOnRandomTerrains() throws {
        for seed in 1...5 {
            var dem = SyntheticTerrain.valley(width: 120, height: 90, seed: UInt64(seed), pits: 40)
            for i in stride(from: 500, to: dem.count, by: 997) { dem.cells[i] = -9999 }
            _ = try DepressionFilling.fill(&dem)
            let d = try D8FlowDirection.compute(dem)
            assertEveryCellReachesAnOutlet(d)
            let counts = try FlowAccumulation.accumulate(d)
            XCTAssertEqual(counts.outletTotal, Double(dem.validCount))
            var rng = SeededGenerator(seed: UInt64(seed))
            let weights = try Grid<Double>(geometry: dem.geometry, cells: (0..<dem.count).map { _ in rng.unit() * 10 })
            let weighted = try FlowAccumulation.accumulate(d, weight: .grid(weights))
            let expected = (0..<dem.count).filter { dem.isValid(at: $0) }.reduce(0.0) { $0 + weights.cells[$1] }
            XCTAssertEqual(weighted.outletTotal, expected, accuracy: expected * 1e-12)
            let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres)
            XCTAssertEqual(area.outletTotal, Double(dem.validCount) * 30 * 30 / 1e6, accuracy: 1e-9)
        }
    }

    /// Accumulation on the flow graph equals the split-flow accumulation of the same directions
    /// (a separate loop over shares, Kahn's order with a stack): totals, flags and outlet sums.
    func testGraphAccumulationEqualsSplitFlowAccumulation() throws {
        var dem = SyntheticTerrain.valley(width: 70, height: 1300, seed: 9, pits: 200)
        for i in stride(from: 700, to: dem.count, by: 1777) { dem.cells[i] = -9999 }
        _ = try DepressionFilling.fill(&dem)
        let d = try D8FlowDirection.compute(dem)
        var rng = SeededGenerator(seed: 4)
        let weights = try Grid<Double>(geometry: dem.geometry, cells: (0..<dem.count).map { _ in rng.unit() * 10 })
        for weight in [AccumulationWeight.cells, .grid(weights)] {
            let graph = try FlowAccumulation.accumulate(d, weight: weight)
            let reference = try FlowAccumulation.accumulate(FlowProportions(d), weight: weight)
            XCTAssertEqual(graph.incomplete, reference.incomplete)
            XCTAssertEqual(graph.outlets.sorted(), reference.outlets.sorted())
            XCTAssertGreaterThan(graph.incomplete.filter { $0 }.count, 0, "the holes should open some upstream areas")
            for i in 0..<dem.count where dem.isValid(at: i) {
                let expected = reference.values.cells[i]
                if abs(graph.values.cells[i] - expected) > 1e-9 * max(1, expected) {
                    XCTFail("cell \(i): \(graph.values.cells[i]), split flow \(expected)")
                    break
                }
            }
            XCTAssertEqual(graph.outletTotal, reference.outletTotal, accuracy: 1e-9 * reference.outletTotal)
        }
    }

    func testCycleIsReportedNotLooped() throws {
        // Two cells pointing at each other (E then W).
        let d = try FlowDirections(geometry: .metric(width: 4, height: 1), codes: [0, 0, 4, 4])
        XCTAssertThrowsError(try FlowAccumulation.accumulate(d)) { error in
            XCTAssertEqual((error as? HydroError)?.kind, .cycle)
        }
    }

    func testInflowFromOutsideIsFlagged() throws {
        // A valley draining east; its western edge cells slope inwards, so the area upstream of the
        // western edge is unknown and the valley floor downstream of it is flagged.
        let width = 12, height = 7
        let dem = grid((0..<height).map { r in (0..<width).map { c in Float(abs(r - 3) * 10 + (width - c)) } })
        let d = try D8FlowDirection.compute(dem)
        let acc = try FlowAccumulation.accumulate(d)
        XCTAssertTrue(acc.incomplete[3 * width + width - 1], "the outlet's area reaches the west edge")
        XCTAssertTrue(acc.incomplete[3 * width + 5])
        XCTAssertEqual(acc.outletTotal, Double(width * height))
    }

    func testRealDEMsInvariants() throws {
        for name in ["guizhou_dem_1km/chishui_basin_dem_1km.tif", "small_dem_pysheds_texas/dem.tif",
                     "small_dem_logan_taudem/logan_dem_100m.tif", "small_dem_lidar_depressions/dem.tif"] {
            let path = try TestPaths.shared(name)
            let original = try RasterReader.read(path, as: Float.self)
            var filled = original
            _ = try DepressionFilling.fill(&filled)
            let w = filled.width, h = filled.height
            for i in 0..<filled.count where original.isValid(at: i) {
                XCTAssertGreaterThanOrEqual(filled.cells[i], original.cells[i])
                // Exactly at the spill level: max(own elevation, lowest neighbouring level), except seeds.
                let r = i / w, c = i % w
                guard r > 0, c > 0, r < h - 1, c < w - 1 else { continue }
                var lowest = Float.infinity, seed = false
                for k in 0..<8 {
                    let j = (r + D8.dy[k]) * w + c + D8.dx[k]
                    if !filled.isValid(at: j) { seed = true } else { lowest = min(lowest, filled.cells[j]) }
                }
                if !seed && filled.cells[i] != max(original.cells[i], lowest) {
                    XCTFail("\(name): cell \(c),\(r) at \(filled.cells[i]), spill level \(max(original.cells[i], lowest))")
                    break
                }
            }
            let d = try D8FlowDirection.compute(filled)
            assertEveryCellReachesAnOutlet(d)
            let acc = try FlowAccumulation.accumulate(d)
            XCTAssertEqual(acc.outletTotal, Double(original.validCount), name)
            let area = try FlowAccumulation.accumulate(d, weight: .areaSquareKilometres)
            let metrics = try CellMetrics(filled.geometry)
            let validArea = (0..<filled.count).filter { original.isValid(at: $0) }.reduce(0.0) { $0 + metrics.area[$1 / w] / 1e6 }
            XCTAssertEqual(area.outletTotal, validArea, accuracy: validArea * 1e-12, name)
        }
    }
}
