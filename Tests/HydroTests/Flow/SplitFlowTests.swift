import Foundation
import XCTest
@testable import Hydro

final class SplitFlowTests: XCTestCase {
    /// A plane falling in direction θ (counter-clockwise from east) on square cells.
    private func plane(angle theta: Double, size: Int = 15) -> Grid<Float> {
        grid((0..<size).map { r in (0..<size).map { c in
            let x = Double(c), yNorth = Double(size - 1 - r)
            return Float(1000 - 10 * (cos(theta) * x + sin(theta) * yNorth))
        } }, cellSize: 1)
    }

    func testDInfinityRecoversThePlaneAspect() throws {
        for degrees in [0.0, 20, 45, 100, 200, 290, 350] {
            let theta = degrees * .pi / 180
            let dem = plane(angle: theta)
            let d8 = try D8FlowDirection.compute(dem)
            let angles = try DInfinity.compute(dem, d8: d8).dinfAngles()
            for r in 2..<12 {
                for c in 2..<12 {
                    let a = Double(angles[c, r])
                    let difference = abs(remainder(a - theta, 2 * .pi))
                    XCTAssertLessThan(difference, 1e-4, "\(degrees)° at \(c),\(r): got \(a * 180 / .pi)°")
                }
            }
        }
    }

    func testDInfinityAnglesRoundTripThroughProportions() throws {
        var dem = SyntheticTerrain.valley(width: 50, height: 40, seed: 4)
        _ = try DepressionFilling.fill(&dem)
        let d8 = try D8FlowDirection.compute(dem)
        let proportions = try DInfinity.compute(dem, d8: d8)
        let back = try FlowProportions(dinfAngles: proportions.dinfAngles(), source: "a.tif")
        for i in 0..<(dem.count * 8) { XCTAssertEqual(back.shares[i], proportions.shares[i], accuracy: 1e-5) }
    }

    /// The tool's own D-infinity output, as angles read back, accumulates on every shared DEM: no
    /// cycle from exact cardinal or diagonal angles, and what leaves the grid is every valid cell.
    func testDInfinityAnglesAccumulateOnTheSharedDEMs() throws {
        for file in ["guizhou_dem_1km/chishui_basin_dem_1km.tif", "small_dem_logan_taudem/logan_dem_100m.tif",
                     "small_dem_pysheds_texas/dem.tif", "small_dem_lidar_depressions/dem.tif"] {
            var dem = try RasterReader.read(try TestPaths.shared(file), as: Float.self)
            _ = try DepressionFilling.fill(&dem)
            let d8 = try D8FlowDirection.compute(dem)
            let angles = try DInfinity.compute(dem, d8: d8).dinfAngles()
            let exact = angles.cells.filter { $0 >= 0 && ($0 / (.pi / 4)).rounded() == $0 / (.pi / 4) || abs($0 / (.pi / 4) - ($0 / (.pi / 4)).rounded()) < 1e-5 }.count
            XCTAssertGreaterThan(exact, 0, "\(file): expected cells flowing exactly along a cardinal or diagonal")
            let flow = try FlowProportions(dinfAngles: angles, source: file)
            let acc = try FlowAccumulation.accumulate(flow)
            let valid = Double(flow.valid.filter { $0 }.count)
            XCTAssertEqual(acc.outletTotal, valid, accuracy: 1e-6 * valid, file)
        }
    }

    func testSplitFlowAccumulationConservesMass() throws {
        for seed in 1...3 {
            var dem = SyntheticTerrain.valley(width: 80, height: 60, seed: UInt64(seed), pits: 30)
            for i in stride(from: 300, to: dem.count, by: 611) { dem.cells[i] = -9999 }
            _ = try DepressionFilling.fill(&dem)
            let d8 = try D8FlowDirection.compute(dem)
            for flow in [try DInfinity.compute(dem, d8: d8), try MultipleFlowDirection.compute(dem, d8: d8),
                         FlowProportions(d8)] {
                for i in 0..<dem.count where flow.valid[i] {
                    let sum = (0..<8).reduce(Float(0)) { $0 + flow.shares[i * 8 + $1] }
                    XCTAssertTrue(abs(sum - 1) < 1e-5 || sum == 0, "\(flow.method) shares of cell \(i) sum to \(sum)")
                }
                let acc = try FlowAccumulation.accumulate(flow)
                XCTAssertEqual(acc.outletTotal, Double(dem.validCount), accuracy: 1e-6 * Double(dem.validCount), "\(flow.method)")
            }
            // D8 as proportions gives exactly the D8 accumulation.
            let single = try FlowAccumulation.accumulate(d8)
            let asShares = try FlowAccumulation.accumulate(FlowProportions(d8))
            XCTAssertEqual(single.values.cells.filter { !$0.isNaN }, asShares.values.cells.filter { !$0.isNaN })
        }
    }

    func testMFDSharesFollowSlopeToThePower() throws {
        // Centre cell of a 3x3 at 10 m; E at 9 (drop 1 over 1 m), S at 8 (drop 2), others higher.
        let dem = grid([[20, 20, 20], [20, 10, 9], [20, 8, 20]])
        let d8 = try D8FlowDirection.compute(dem)
        let mfd = try MultipleFlowDirection.compute(dem, d8: d8, exponent: 1)
        XCTAssertEqual(mfd.shares[4 * 8 + 0], 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(mfd.shares[4 * 8 + 2], 2.0 / 3, accuracy: 1e-6)
        let p2 = try MultipleFlowDirection.compute(dem, d8: d8, exponent: 2)
        XCTAssertEqual(p2.shares[4 * 8 + 2], 4.0 / 5, accuracy: 1e-6)
        XCTAssertThrowsError(try MultipleFlowDirection.compute(dem, d8: d8, exponent: -1))
    }
}

final class ConditioningTests: XCTestCase {
    func testBreachingCutsAThinDamInsteadOfFilling() throws {
        // A valley falling east, blocked by a one-cell dam 3 m high: breaching lowers the dam only.
        var rows: [[Float]] = []
        for r in 0..<7 {
            let across = Float(abs(r - 3) * 5)
            rows.append((0..<12).map { c in across + Float(12 - c) })
        }
        rows[3][6] = 9
        let original = grid(rows)
        var breached = original
        let report = try DepressionBreaching.breach(&breached)
        XCTAssertEqual(report.breached, 1)
        XCTAssertEqual(report.fill.raisedCells, 0, "nothing left to fill")
        XCTAssertLessThan(breached[6, 3], original[5, 3], "the dam is cut below the pit")
        XCTAssertGreaterThan(breached[6, 3], original[7, 3], "and no deeper than the valley beyond it")
        var changed = 0
        for i in 0..<original.count where breached.cells[i] != original.cells[i] { changed += 1 }
        XCTAssertEqual(changed, report.loweredCells)
        XCTAssertLessThanOrEqual(changed, 2)
        var filled = original
        let fill = try DepressionFilling.fill(&filled)
        XCTAssertGreaterThan(fill.raisedCells, 0)
        assertEveryCellReachesAnOutlet(try D8FlowDirection.compute(breached))
    }

    func testBreachingIsDeterministicWithTiedPitsAndHonoursLimits() throws {
        var rng = SeededGenerator(seed: 9)
        let base = grid((0..<40).map { _ in (0..<40).map { _ in Float(Int(rng.unit() * 8)) } })
        var a = base, b = base
        _ = try DepressionBreaching.breach(&a)
        _ = try DepressionBreaching.breach(&b)
        XCTAssertEqual(a.cells, b.cells)
        assertEveryCellReachesAnOutlet(try D8FlowDirection.compute(a))
        // A wide dam cannot be cut with a one-cell channel: the depression is filled instead.
        var rows = [[Float]](repeating: [Float](repeating: 20, count: 9), count: 9)
        for r in 3...5 { for c in 3...5 { rows[r][c] = 1 } }
        rows[0][4] = 2
        var limited = grid(rows)
        let report = try DepressionBreaching.breach(&limited, options: BreachOptions(maxLength: 1))
        XCTAssertEqual(report.breached, 0)
        XCTAssertEqual(limited[4, 4], 20)
        XCTAssertThrowsError(try DepressionBreaching.breach(&limited, options: BreachOptions(maxLength: 0)))
    }

    func testBurningLowersTheCellsUnderTheLineAndTapersTheTrench() throws {
        var dem = grid([[Float]](repeating: [Float](repeating: 100, count: 9), count: 9), cellSize: 10)
        // A horizontal line through the middle of row 4 (y from 90 at the top to 0 at the bottom).
        let line = [Coordinate(0, 45), Coordinate(90, 45)]
        let report = try StreamBurning.burn(&dem, lines: [line], depth: 6, buffer: 2)
        XCTAssertEqual(report.burnedCells, 9)
        for c in 0..<9 {
            XCTAssertEqual(dem[c, 4], 94)
            XCTAssertEqual(dem[c, 3], 96, accuracy: 1e-5)
            XCTAssertEqual(dem[c, 2], 98, accuracy: 1e-5)
            XCTAssertEqual(dem[c, 1], 100)
        }
        XCTAssertThrowsError(try StreamBurning.burn(&dem, lines: [line], depth: -1))
    }
}
