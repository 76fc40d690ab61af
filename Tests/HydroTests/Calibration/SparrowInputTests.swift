import Foundation
import XCTest
@testable import Hydro

final class SparrowInputTests: XCTestCase {
    var fixture: URL { TestPaths.packageRoot.appendingPathComponent("fixtures/sparrow/small") }

    func testReadsTheSmallModelInHydseqOrder() throws {
        let model = try SparrowInput.read(directory: fixture.path, groupColumn: "state")
        let r = model.reaches
        XCTAssertEqual(r.ids, ["101", "102", "103", "105", "104", "106"], "sorted by hydseq, not by line")
        func feeders(_ id: String) -> [String] {
            guard let i = r.ids.firstIndex(of: id) else { return ["missing"] }
            return (r.upstreamStart[i]..<r.upstreamStart[i + 1]).map { r.ids[r.upstreamReach[$0]] }
        }
        XCTAssertEqual(feeders("103"), ["101", "102"])
        XCTAssertEqual(feeders("104"), ["103"])
        XCTAssertEqual(feeders("105"), ["103"], "a diversion takes its frac of the node's load")
        XCTAssertEqual(feeders("106"), ["104"])
        XCTAssertEqual(r.frac, [1, 1, 1, 0.3, 0.7, 1])
        XCTAssertEqual(model.parameters.map(\.name), ["area", "point", "slope", "rchtt_small", "rchtt_large", "iresload"], "forest (parmMax 0) is left out")
        XCTAssertEqual(model.design, [[true], [false]])
        XCTAssertEqual(model.stations.map(\.name), ["S101", "S102", "S104", "S106"])
        XCTAssertEqual(model.stations.map(\.observedLoad), [1200, 2600, 3900, 4100])
        XCTAssertEqual(model.stations[2].latitude, 27.5)
        XCTAssertEqual(model.stations[2].location, fixture.appendingPathComponent("data1.csv").path + ":6")
        XCTAssertEqual(r.groupNames, ["51", "52", "53"])
        XCTAssertEqual(model.deliveryMeans[0], 34.0 / 6, accuracy: 1e-12)

        // Reach 104 by hand at the initial values: 103 gathers 101 and 102; 104 takes 0.7 of it.
        let theta = model.initialValues
        let e = model.evaluate(theta, conditioned: false)
        let mean = 34.0 / 6
        func inc(area: Double, point: Double, slope: Double, small: Double, large: Double, res: Double) -> Double {
            exp(-0.5 * (0.2 * small + 0.1 * large)) / (1 + 2 * res) * (100 * area * exp(0.05 * (slope - mean)) + 0.5 * point)
        }
        let l101 = inc(area: 10, point: 0, slope: 4, small: 0.5, large: 0, res: 0)
        let l102 = inc(area: 20, point: 100, slope: 8, small: 0.25, large: 0, res: 0)
        let l103 = inc(area: 5, point: 0, slope: 6, small: 0, large: 1, res: 0) + exp(-0.1) * (l101 + l102)
        let l104 = inc(area: 8, point: 0, slope: 10, small: 0, large: 1, res: 0.2) + 0.7 * exp(-0.1) / (1 + 2 * 0.2) * l103
        let l105 = inc(area: 2, point: 0, slope: 2, small: 0, large: 0.5, res: 0) + 0.3 * exp(-0.05) * l103
        XCTAssertEqual(e.load[2], l103, accuracy: 1e-9)
        XCTAssertEqual(e.load[4], l104, accuracy: 1e-9)
        XCTAssertEqual(e.load[3], l105, accuracy: 1e-9)
        // 105 does not transport (iftran 0): nothing reaches node 6's other reaches, and 106 sees only 104.
        let l106 = inc(area: 6, point: 50, slope: 4, small: 0, large: 2, res: 0) + exp(-0.2) * l104
        XCTAssertEqual(e.load[5], l106, accuracy: 1e-9)
    }

    /// Copies the fixture with one file's line replaced, reads it and returns the error message.
    func error(editing file: String, line: Int, to text: String) throws -> String {
        let folder = try TestPaths.temporaryFolder(self)
        for name in ["data1.csv", "parameters.csv", "design_matrix.csv", "dataDictionary.csv"] {
            var content = try String(contentsOf: fixture.appendingPathComponent(name), encoding: .utf8)
            if name == file {
                var lines = content.components(separatedBy: "\n")
                lines[line - 1] = text
                content = lines.joined(separator: "\n")
            }
            try content.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        do {
            let model = try SparrowInput.read(directory: folder.path)
            _ = try Calibration.fit(model)
            return "no error"
        } catch let e as HydroError {
            return e.description.replacingOccurrences(of: folder.path + "/", with: "")
        }
    }

    func testBadInputNamesTheFileAndLine() throws {
        XCTAssertEqual(try error(editing: "data1.csv", line: 3, to: "102,2,3,1,1,2,20,20,1,0,S102,27.2,105.3,20,100,8,0.25,0,0,52"),
                       "data1.csv:3: calibration site with load 0; a monitored load must be positive kg/yr")
        XCTAssertEqual(try error(editing: "data1.csv", line: 3, to: "102,2,3,1,1,2,20,20,1,-5,S102,27.2,105.3,20,100,8,0.25,0,0,52"),
                       "data1.csv:3: depvar (the monitored load) is -5; loads must be positive kg/yr")
        XCTAssertEqual(try error(editing: "data1.csv", line: 2, to: "101,1,3,1,1,9,10,10,1,1200,S101,27.1,105.1,10,0,4,0.5,0,0,52"),
                       "data1.csv:4: reach 103 (hydseq 3) is fed by reach 101 on line 2 (hydseq 9), which does not come before it; hydseq must order every reach after the reaches upstream of it")
        XCTAssertEqual(try error(editing: "data1.csv", line: 4, to: "103,3,4,1,1,0.5,5,35,0,NA,,,,5,0,6,0,1,0,51"),
                       "data1.csv:4: reach 103 (hydseq 0.5) is fed by reach 101 on line 2 (hydseq 1), which does not come before it; hydseq must order every reach after the reaches upstream of it")
        XCTAssertEqual(try error(editing: "data1.csv", line: 7, to: "101,5,7,1,1,6,6,49,1,4100,S106,27.7,106.2,6,50,4,0,2,0,53"),
                       "data1.csv:7: waterid 101 is also on line 2")
        XCTAssertEqual(try error(editing: "data1.csv", line: 5, to: "105,4,6,1.3,0,4,2,37,0,0,,,,2,0,2,0,0.5,0,51"),
                       "data1.csv:5: frac is 1.3; it must lie in [0, 1]")
        XCTAssertEqual(try error(editing: "data1.csv", line: 5, to: "105,4,6,0.3,0,4,2,37,0,0,,,,two,0,2,0,0.5,0,51"),
                       "parameters.csv:2: parameter 'area' has no numeric column of that name in data1.csv")
        XCTAssertEqual(try error(editing: "parameters.csv", line: 5, to: "slope,Mean slope,per percent,0.05,-1,1,DELIVERY,0"),
                       "parameters.csv:5: parmType 'DELIVERY' is not SOURCE, DELIVF, STRM or RESV")
        XCTAssertEqual(try error(editing: "parameters.csv", line: 2, to: "area,Incremental area,kg/km2/yr,100000,0,10000,SOURCE,0"),
                       "parameters.csv:2: parmInit 100000 of 'area' lies outside [parmMin, parmMax] = [0, 10000]")
        XCTAssertEqual(try error(editing: "parameters.csv", line: 2, to: "area,Incremental area,kg/km2/yr,abc,0,10000,SOURCE,0"),
                       "parameters.csv:2: 'parmInit' is 'abc', not a number")
        XCTAssertEqual(try error(editing: "design_matrix.csv", line: 2, to: "area,2"),
                       "design_matrix.csv:2: 'slope' is 2; design entries are 0 or 1")
        XCTAssertEqual(try error(editing: "design_matrix.csv", line: 3, to: "pointsource,0"),
                       "design_matrix.csv: has no row for the source 'point'")
        // Four stations for six estimated parameters.
        XCTAssertEqual(try error(editing: "design_matrix.csv", line: 3, to: "point,0"),
                       "data1.csv: has 4 calibration stations for 6 estimated parameters; at least 7 are needed")
    }

    func testParmConstantHoldsSelectedParametersOnly() throws {
        let folder = try TestPaths.temporaryFolder(self)
        for name in ["data1.csv", "design_matrix.csv", "dataDictionary.csv"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let lines = try String(contentsOf: fixture.appendingPathComponent("parameters.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let constant = ["forest", "slope", "rchtt_small", "rchtt_large", "iresload"]
        let edited = [lines[0] + ",parmConstant"] + lines.dropFirst().map { l in l + (constant.contains(String(l.prefix { $0 != "," })) ? ",1" : ",0") }
        try (edited.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("parameters.csv"), atomically: true, encoding: .utf8)
        let model = try SparrowInput.read(directory: folder.path)
        XCTAssertEqual(model.parameters.map(\.name), ["area", "point", "slope", "rchtt_small", "rchtt_large", "iresload"], "forest (parmMax 0) stays out")
        XCTAssertEqual(model.freeParameters.map { model.parameters[$0].name }, ["area", "point"])
        XCTAssertEqual(model.parameters[2].lower, 0.05)
        XCTAssertEqual(model.parameters[2].upper, 0.05)
        let fit = try Calibration.fit(model)
        XCTAssertEqual(fit.theta[2], 0.05, "a constant stays at parmInit")
        XCTAssertEqual(fit.statistics.parameters.map(\.name), ["area", "point"])
    }

    func testWrittenModelReadsBackAndCalibratesToTheTruth() throws {
        var settings = SyntheticSparrowModel.Settings()
        settings.reaches = 500
        settings.stations = 45
        let synthetic = try SyntheticSparrowModel.make(settings)
        let folder = try TestPaths.temporaryFolder(self)
        try SparrowInput.write(synthetic.model, to: folder.path, groupColumn: "state")
        let model = try SparrowInput.read(directory: folder.path, groupColumn: "state")
        XCTAssertEqual(model.reaches.ids, synthetic.model.reaches.ids)
        XCTAssertEqual(model.reaches.upstreamReach, synthetic.model.reaches.upstreamReach)
        XCTAssertEqual(model.stations.map(\.reach), synthetic.model.stations.map(\.reach))
        let fit = try Calibration.fit(model)
        for (k, p) in model.parameters.enumerated() {
            XCTAssertEqual(fit.theta[k], synthetic.truth[k], accuracy: 1e-6 * abs(synthetic.truth[k]), p.name)
        }
        // Shares by the written group column equal the synthetic model's own origin groups.
        let a = model.loadsByOrigin(synthetic.truth), b = synthetic.model.loadsByOrigin(synthetic.truth)
        XCTAssertEqual(a.groups, 3)
        for k in a.loads.indices { XCTAssertEqual(a.loads[k], b.loads[k], accuracy: 1e-9 * max(1, b.loads[k])) }
    }
}
