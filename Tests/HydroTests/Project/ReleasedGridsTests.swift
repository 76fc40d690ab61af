import Foundation
import XCTest
@testable import Hydro

/// A run lets go of whole-grid values once the steps after no longer read them cell by cell, and
/// reads uniform areal loads row by row: the figures must be those of the grids themselves.
final class ReleasedGridsTests: XCTestCase {
    func testRunLetsGoOfUpstreamAreaAndLinkCellsAndKeepsWhatItReadsLater() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let run = try ProjectRun(try ProjectConfig.load(try DemoCase.write(into: folder.path, seed: 7, size: 90)))
        try run.runThrough(.attribution)
        XCTAssertNil(run._upstream, "the upstream area grid is let go after the loads step")
        XCTAssertTrue(run.networkCellsReleased, "the link of every cell is let go once the reach graph is made")

        // The upstream area computed afresh on the run's flow graph (karst link included).
        let graph = try run.graph()
        let fresh = try graph.upstream(.areaSquareKilometres)
        let result = try XCTUnwrap(try run.attributionResult())
        let crossings = try run.crossings()
        XCTAssertFalse(crossings.isEmpty)
        let firstLevel = result.crossings.filter { $0.level == result.levels.first }
        XCTAssertEqual(firstLevel.count, crossings.count)
        for (record, crossing) in zip(firstLevel, crossings) {
            XCTAssertEqual(record.areaKm2.bitPattern, fresh.values.cells[crossing.cell].bitPattern, "crossing at cell \(crossing.cell)")
        }
        let sections = try run.sections()
        for entry in result.sections {
            let cell = try XCTUnwrap(sections.first { $0.id == entry.section }?.cell)
            XCTAssertEqual(entry.upstreamTouchesEdgeOrNodata, fresh.incomplete[cell], entry.section)
        }

        // Asked for again, the link of every cell is made from the links: the network as built.
        let built = try StreamNetwork(directions: try run.directions(), accumulation: fresh.values,
                                      threshold: run.config.streamThresholdKm2, areaKm2: fresh.values)
        // The reach graph, made after the cells were let go, names each outlet's link as the cells do.
        let reaches = try run.reachGraph()
        XCTAssertEqual(reaches.link, reaches.outlet.map { built.linkOfCell[Int($0)] })
        XCTAssertTrue(reaches.link.contains { $0 != 0 })
        XCTAssertEqual(try run.network().linkOfCell, built.linkOfCell)
        XCTAssertFalse(run.networkCellsReleased)
        XCTAssertTrue(built.linkOfCell.contains { $0 != 0 })
    }

    /// Every pollutant of `sources` is made cell by cell, and equals its grid bit for bit, routed too.
    private func assertMadeByCellEqualsGrid(_ sources: LoadSources, model: LoadModel) throws {
        for p in sources.pollutants {
            let byCell = try XCTUnwrap(sources.cellLoads(p))
            XCTAssertTrue(byCell.isMadeByCell, p.name)
            let grid = try XCTUnwrap(sources.generated[p])
            XCTAssertEqual(byCell.values.map(\.bitPattern), grid.map(\.bitPattern), p.name)
            XCTAssertTrue(grid.contains { $0 > 0 } || p.name == "NH3-N", p.name)
            let fromCells = LoadRouting.route(p, loads: byCell, model: model)
            let fromGrid = LoadRouting.route(p, generated: grid, model: model)
            XCTAssertEqual(fromCells.outflow.map(\.bitPattern), fromGrid.outflow.map(\.bitPattern), p.name)
            XCTAssertEqual(fromCells.budget, fromGrid.budget, p.name)
        }
    }

    func testLandUseAndPointSourceLoadsMadeByCellEqualTheirGridBitForBit() throws {
        // The demo: land-use export coefficients (class positions) and point sources, with a
        // uniform rate added to TP after them.
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 5, size: 60)
        let text = try String(contentsOfFile: project, encoding: .utf8) + "\n[[diffuse]]\npollutant = \"TP\"\nrate_kg_ha_yr = 0.2\n"
        try text.write(toFile: project, atomically: true, encoding: .utf8)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.network)
        let sources = try run.sources()
        XCTAssertFalse(run.pointSourceRows.isEmpty, "the demo has point sources")
        try assertMadeByCellEqualsGrid(sources, model: try run.model())
    }

    func testUniformLoadsMadeByCellEqualTheirGridAndTheRates() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 3, size: 60)
        // Only uniform areal rates: CODMn from two entries (summed in the project's order), TP from
        // one, NH3-N from none.
        var text = try String(contentsOfFile: project, encoding: .utf8)
        for block in ["[[point_sources]]", "[[diffuse]]"] {
            let start = try XCTUnwrap(text.range(of: block))
            let end = text.range(of: "\n\n", range: start.upperBound..<text.endIndex)?.upperBound ?? text.endIndex
            text.removeSubrange(start.lowerBound..<end)
        }
        text += "\n[[diffuse]]\npollutant = \"CODMn\"\nrate_kg_ha_yr = 12\n[[diffuse]]\npollutant = \"TP\"\nrate_kg_ha_yr = 0.35\n"
        text += "[[diffuse]]\npollutant = \"CODMn\"\nrate_kg_ha_yr = 0.7\n"
        try text.write(toFile: project, atomically: true, encoding: .utf8)
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.network)
        let sources = try run.sources()
        let model = try run.model()
        let geometry = try run.geometry
        let codes = try run.directions().codes
        let area = try CellMetrics(geometry).area
        XCTAssertEqual(sources.pollutants.map(\.name), ["CODMn", "NH3-N", "TP"])
        try assertMadeByCellEqualsGrid(sources, model: model)
        for p in sources.pollutants {
            let rows = try XCTUnwrap(sources.cellLoads(p))
            // Independently: rate × cell area (ha) on valid cells, nothing on nodata.
            let rates: [String: Double] = ["CODMn": 12.7, "TP": 0.35, "NH3-N": 0]
            let rate = rates[p.name] ?? -1
            for c in stride(from: 0, to: geometry.cellCount, by: 97) {
                let expected: Double = codes[c] == D8.noData ? 0 : rate * area[c / geometry.width] / 1e4
                XCTAssertEqual(rows[c], expected, accuracy: 1e-12 * max(expected, 1), "\(p.name) cell \(c)")
            }
        }
        XCTAssertTrue(sources.cellLoads(Pollutant("CODMn"))?.values.contains { $0 > 0 } ?? false)
        // A changed grid is no longer read as rows.
        var scaled = sources.scaled(Pollutant("TP"), by: 0.5) { _ in true }
        XCTAssertFalse(try XCTUnwrap(scaled.cellLoads(Pollutant("TP"))).isMadeByCell)
        scaled.generated[Pollutant("CODMn")] = [Double](repeating: 1, count: geometry.cellCount)
        XCTAssertEqual(scaled.cellLoads(Pollutant("CODMn"))?.values.first, 1)
    }
}
