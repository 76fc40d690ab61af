import Foundation
import XCTest
@testable import Hydro

/// The project-side calibration parameters: land-use source classes, delivery on a raster, decay by
/// velocity class and reservoir settling. Station loads are the section loads of a "truth" project run
/// with known values set in its own inputs (scaled export coefficients, a load raster with the
/// delivery factor applied, a typed decay rate, a typed settling velocity), so the fit is checked
/// against the run's cell routing, not against itself.
final class ProjectCalibrationParameterTests: XCTestCase {
    let tp = Pollutant("TP")

    /// The demo project in a folder; `edit` changes its text (the truth project is the same with its
    /// own output folder and `truthEdit` applied).
    func demo() throws -> (folder: URL, text: String) {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 2, size: 60)
        return (folder, try String(contentsOfFile: project, encoding: .utf8))
    }

    func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func replace(_ text: String, _ old: String, _ new: String) throws -> String {
        guard text.contains(old) else { throw HydroError(.invalidInput, "test", "the demo project has no '\(old)'") }
        return text.replacingOccurrences(of: old, with: new)
    }

    func sectionLoads(_ project: String, _ p: Pollutant) throws -> [String: Double] {
        let run = try ProjectRun(try ProjectConfig.load(project))
        try run.runThrough(.loads)
        var out: [String: Double] = [:]
        for s in try run.loadsResult().sections { out[s.id] = s.loadsKgPerYr[p.name] ?? nil }
        return out
    }

    /// station_loads.csv from a truth project's TP section loads.
    func stationLoads(from truth: String, in folder: URL) throws -> [String: Double] {
        let loads = try sectionLoads(truth, tp)
        let rows = loads.keys.sorted().map { "\($0),TP,\(loads[$0] ?? 0),1" }
        XCTAssertEqual(rows.count, 4)
        _ = try write("station,pollutant,load,weight\n" + rows.joined(separator: "\n") + "\n", "station_loads.csv", in: folder)
        return loads
    }

    func calibration(_ extra: String) -> String {
        "\n\n[calibration]\nstation_loads = \"station_loads.csv\"\nbootstrap = 0\n" + extra
    }

    // MARK: land-use classes

    /// Export coefficients scaled per class in the truth (×2, ×0.5, ×3): each land-use class comes
    /// back with its factor, and the next run's section loads are the truth's.
    func testLandUseClassesAreRecovered() throws {
        let (folder, text) = try demo()
        let csv = try CSVTable.load(folder.appendingPathComponent("inputs/export_coefficients.csv").path)
        let factor: [String: Double] = ["1": 2, "2": 0.5, "3": 3]
        let scaled = try csv.rows.indices.map { r -> [String] in
            [csv.rows[r][0], csv.rows[r][1], fmt(try csv.number(r, 2) * (factor[csv.rows[r][0]] ?? 1))]
        }
        try AtomicOutput.write(CSVWriter.text(header: csv.header, rows: scaled), to: folder.appendingPathComponent("inputs/truth_coefficients.csv").path,
                               overwrite: true)
        var truthText = try replace(text, "output = \"output\"", "output = \"truth\"")
        truthText = try replace(truthText, "inputs/export_coefficients.csv", "inputs/truth_coefficients.csv")
        let truth = try write(truthText, "truth.toml", in: folder)
        let observed = try stationLoads(from: truth, in: folder)
        let project = try write(text + calibration("[calibration.parameters.point_1]\nfixed = true\n"), "project.toml", in: folder)
        let results = try ProjectRun(try ProjectConfig.load(project)).calibrate()
        let fit = try XCTUnwrap(results.first?.fit)
        XCTAssertEqual(fit.model.parameters.map(\.name), ["diffuse_1_1", "diffuse_1_2", "diffuse_1_3", "point_1"])
        let estimates = fit.estimates
        for (code, f) in factor { XCTAssertEqual(estimates["diffuse_1_\(code)"] ?? 0, f, accuracy: 1e-6 * f, code) }
        XCTAssertEqual(estimates["point_1"], 1)
        let after = try sectionLoads(project, tp)
        for (id, load) in observed { XCTAssertEqual(after[id] ?? 0, load, accuracy: 1e-6 * load, id) }
    }

    // MARK: delivery, decay, settling

    /// The demo with its reservoir given by an areal hydraulic load; the truth has delivery
    /// exp(0.7·(z − z̄)) in a load raster, decay 0.12/day and settling 12 m/yr; the calibration starts
    /// from no delivery, the project's 0.05/day and 5 m/yr.
    func transportCase(_ extra: String) throws -> (project: String, folder: URL, observed: [String: Double]) {
        let (folder, demoText) = try demo()
        let text = try replace(demoText, "retained = { CODMn = 0.2, \"NH3-N\" = 0.15, TP = 0.35 }",
                               "hydraulic_load_m_per_yr = 20\nsettling_velocity_m_per_yr = { TP = 5 }")
        let base = try write(text, "base.toml", in: folder)
        let run = try ProjectRun(try ProjectConfig.load(base))
        try run.runThrough(.network)
        let geometry = try run.geometry
        let codes = try run.directions().codes
        // z: a west–east gradient with a nodata block, which counts as the mean.
        var z = [Double](repeating: 0, count: geometry.cellCount)
        for c in z.indices {
            let col = c % geometry.width, row = c / geometry.width
            z[c] = col < 6 && row < 6 ? -9999 : 3 * Double(col) / Double(geometry.width) + 0.5 * sin(Double(row))
        }
        try RasterWriter.write(try Grid(geometry: geometry, cells: z, nodata: -9999), to: folder.appendingPathComponent("inputs/slope.tif").path,
                               options: RasterWriteOptions(overwrite: true))
        var sum = 0.0, count = 0.0
        for c in z.indices where z[c] != -9999 && codes[c] != D8.noData { sum += z[c]; count += 1 }
        let mean = sum / count
        var landOnly = run.config
        landOnly.pointSources = []
        let land = try XCTUnwrap(try ProjectInputs.sources(landOnly, network: try run.network(), run: run).generated[tp])
        let delivered = land.indices.map { c in land[c] * (z[c] == -9999 ? 1 : exp(0.7 * (z[c] - mean))) }
        try RasterWriter.write(try Grid(geometry: geometry, cells: delivered, nodata: nil), to: folder.appendingPathComponent("inputs/truth_tp.tif").path,
                               options: RasterWriteOptions(overwrite: true))
        var truthText = try replace(text, "output = \"output\"", "output = \"truth\"")
        truthText = try replace(truthText, "landuse = \"inputs/landuse.tif\"\ncoefficients = \"inputs/export_coefficients.csv\"",
                                "raster = \"inputs/truth_tp.tif\"\npollutant = \"TP\"\nunit = \"kg/yr\"")
        truthText = try replace(truthText, "TP = 0.05", "TP = 0.12")
        truthText = try replace(truthText, "settling_velocity_m_per_yr = { TP = 5 }", "settling_velocity_m_per_yr = { TP = 12 }")
        let observed = try stationLoads(from: try write(truthText, "truth.toml", in: folder), in: folder)
        let project = try write(text + calibration("""
            [calibration.parameters.diffuse_1]
            fixed = true
            [calibration.parameters.point_1]
            fixed = true
            [calibration.delivery.slope]
            raster = "inputs/slope.tif"

            """ + extra), "project.toml", in: folder)
        return (project, folder, observed)
    }

    static let twoDecayClasses = """
        [calibration.decay.slow]
        max_velocity_m_s = 0.3
        initial = 0.12
        fixed = true
        [calibration.decay.fast]
        [calibration.settling]

        """

    /// Delivery 0.7, decay 0.12 on the fast class (the slow one fixed at the truth's 0.12) and
    /// settling 12 come back; the calibrated run's section loads are the fitted predictions (and the
    /// truth's), and manifest.json records the values.
    func testDeliveryDecayAndSettlingAreRecoveredAndTheRunUsesThem() throws {
        let (project, _, observed) = try transportCase(Self.twoDecayClasses)
        let run = try ProjectRun(try ProjectConfig.load(project))
        let fit = try XCTUnwrap(try run.calibrate().first?.fit)
        XCTAssertEqual(fit.model.parameters.map(\.name), ["diffuse_1", "point_1", "delivery_slope", "decay_slow", "decay_fast", "settling"])
        let e = fit.estimates
        XCTAssertEqual(e["delivery_slope"] ?? 0, 0.7, accuracy: 1e-6)
        XCTAssertEqual(e["decay_fast"] ?? 0, 0.12, accuracy: 1e-6 * 0.12)
        XCTAssertEqual(e["settling"] ?? 0, 12, accuracy: 1e-6 * 12)
        // The slow class holds channel cells, or the split would test nothing.
        let model = try run.loadModel(calibrated: nil)
        let classes = model.decayClassOfSlot([.init(maxVelocity: 0.3, rate: 0), .init(maxVelocity: nil, rate: 0)])
        XCTAssertTrue(classes.contains(0) && classes.contains(1))

        let next = try ProjectRun(try ProjectConfig.load(project))
        try next.runThrough(.loads)
        let predicted = fit.model.evaluate(fit.theta, conditioned: false).load
        var sections: [String: Double] = [:]
        for s in try next.loadsResult().sections { sections[s.id] = s.loadsKgPerYr["TP"] ?? nil }
        for station in fit.model.stations {
            let load = try XCTUnwrap(sections[station.name])
            XCTAssertEqual(load, predicted[station.reach], accuracy: 1e-9 * load, station.name)
            XCTAssertEqual(load, observed[station.name] ?? 0, accuracy: 1e-6 * load, station.name)
        }
        try next.writeManifest()
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: next.path("manifest.json")))) as? [String: Any]
        let recorded = try XCTUnwrap((manifest?["calibration"] as? [String: Any])?["TP"] as? [String: Double])
        for name in ["delivery_slope", "decay_slow", "decay_fast", "settling"] {
            XCTAssertEqual(recorded[name] ?? 0, e[name] ?? 1, accuracy: 1e-12 * abs(e[name] ?? 1), name)
        }
    }

    /// Bounds hold: a delivery maximum below the truth stops the estimate there.
    func testBoundsHold() throws {
        let (project, _, _) = try transportCase("max = 0.5\n[calibration.decay.all]\nmin = 0.01\nmax = 0.3\n")
        let fit = try XCTUnwrap(try ProjectRun(try ProjectConfig.load(project)).calibrate().first?.fit)
        XCTAssertEqual(fit.estimates["delivery_slope"], 0.5)
        let k = try XCTUnwrap(fit.estimates["decay_all"])
        XCTAssertTrue(k >= 0.01 && k <= 0.3, "\(k)")
    }

    /// The Jacobian of the weighted log residuals for every parameter, sources included, matches
    /// central differences, with and without monitoring-load substitution.
    func testJacobianMatchesCentralDifferences() throws {
        let (project, _, _) = try transportCase(Self.twoDecayClasses)
        let fitted = try XCTUnwrap(try ProjectRun(try ProjectConfig.load(project)).calibrate().first?.fit.model)
        let free = fitted.parameters.map { p -> CalibrationParameter in
            var q = p
            q.isFixed = false
            return q
        }
        let model = try SparrowModel(reaches: fitted.reaches, parameters: free, design: fitted.design, stations: fitted.stations,
                                     cellLevel: fitted.cellLevel)
        let theta = [1.3, 0.8, 0.4, 0.09, 0.2, 7]
        let weights = [Double](repeating: 1, count: model.stations.count)
        // Source coefficients alone do not aggregate the cells again; a delivery coefficient does.
        let cellLevel = try XCTUnwrap(model.cellLevel)
        _ = model.evaluate(theta, conditioned: true)
        let aggregated = cellLevel.aggregations
        var sourcesOnly = theta
        sourcesOnly[0] = 2.1
        sourcesOnly[1] = 0.3
        _ = model.evaluate(sourcesOnly, conditioned: true, derivatives: true)
        XCTAssertEqual(cellLevel.aggregations, aggregated)
        var otherDelivery = theta
        otherDelivery[2] = 0.41
        _ = model.evaluate(otherDelivery, conditioned: true)
        XCTAssertEqual(cellLevel.aggregations, aggregated + 1)
        for conditioned in [true, false] {
            let j = try XCTUnwrap(Calibration.residuals(model, theta: theta, weights: weights, conditioned: conditioned)).jacobian
            for p in theta.indices {
                let h = 1e-5 * max(1, abs(theta[p]))
                var up = theta, down = theta
                up[p] += h
                down[p] -= h
                let ru = try XCTUnwrap(Calibration.residuals(model, theta: up, weights: weights, conditioned: conditioned, derivatives: false)).residuals
                let rd = try XCTUnwrap(Calibration.residuals(model, theta: down, weights: weights, conditioned: conditioned, derivatives: false)).residuals
                for s in ru.indices {
                    let numeric = (ru[s] - rd[s]) / (2 * h)
                    XCTAssertEqual(j[s, p], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "\(model.parameters[p].name) station \(s) conditioned \(conditioned)")
                }
            }
        }
    }

    /// A negative delivery coefficient is a valid record; a negative multiplier or rate is not.
    func testRecordAcceptsNegativeDeliveryOnly() throws {
        let folder = try TestPaths.temporaryFolder(self)
        func record(_ coefficients: [String: Double]) throws -> String {
            let entry = CalibrationRecord.Entry(pollutant: "TP", coefficients: coefficients, standardErrors: [:], stations: [], intervals: [])
            let path = folder.appendingPathComponent("calibration.json").path
            try CalibrationRecord(level: "county", intervalLevel: nil, pollutants: [entry]).encoded().write(to: URL(fileURLWithPath: path))
            return path
        }
        XCTAssertEqual(try CalibrationRecord.load(try record(["diffuse_1": 1.5, "delivery_slope": -0.4])).pollutants.first?.coefficients["delivery_slope"], -0.4)
        for bad in ["decay_all", "settling", "diffuse_1_2"] {
            XCTAssertThrowsError(try CalibrationRecord.load(try record([bad: -0.1]))) { error in
                XCTAssertTrue("\(error)".contains("coefficient \(bad) of TP is -0.1"), "\(error)")
            }
        }
    }

    /// A record from when a land use was one class (diffuse_1) scales every one of its classes.
    func testWholeLandUseCoefficientOfAnOlderRecordScalesItsClasses() throws {
        let (folder, text) = try demo()
        _ = try write("station,pollutant,load,weight\nS1,TP,100,1\n", "station_loads.csv", in: folder)
        let project = try write(text + calibration(""), "project.toml", in: folder)
        func loads(_ coefficients: [String: Double]) throws -> [String: Double] {
            let run = try ProjectRun(try ProjectConfig.load(project))
            let entry = CalibrationRecord.Entry(pollutant: "TP", coefficients: coefficients, standardErrors: [:], stations: [], intervals: [])
            try FileManager.default.createDirectory(atPath: run.path("calibration"), withIntermediateDirectories: true)
            try CalibrationRecord(level: "county", intervalLevel: nil, pollutants: [entry]).encoded()
                .write(to: URL(fileURLWithPath: run.path(CalibrationRecord.file)))
            return try sectionLoads(project, tp)
        }
        let perClass = try loads(["diffuse_1_1": 2, "diffuse_1_2": 2, "diffuse_1_3": 2, "point_1": 0.5])
        let whole = try loads(["diffuse_1": 2, "point_1": 0.5])
        let plain = try loads(["point_1": 1])
        for (id, load) in perClass {
            XCTAssertEqual(whole[id] ?? 0, load, accuracy: 1e-9 * load, id)
            XCTAssertNotEqual(plain[id] ?? 0, load, accuracy: 1e-3 * load, id)
        }
    }

    // MARK: bad input

    func testBadParametersGiveOneLineErrorsNamingTheKey() throws {
        let (folder, text) = try demo()
        _ = try write("station,pollutant,load,weight\nS1,TP,100,1\nS2,TP,100,1\nS3,TP,100,1\nS4,TP,100,1\n", "station_loads.csv", in: folder)
        func calibrateError(_ extra: String, project body: String? = nil) -> String {
            do {
                let project = try write((body ?? text) + calibration(extra), "project.toml", in: folder)
                _ = try ProjectRun(try ProjectConfig.load(project)).calibrate()
                return "no error"
            } catch {
                return "\(error)".replacingOccurrences(of: folder.path + "/", with: "")
            }
        }
        let unknown = calibrateError("[calibration.parameters.diffuse_1_9]\nfixed = true\n")
        XCTAssertTrue(unknown.hasPrefix("project.toml:"), unknown)
        XCTAssertTrue(unknown.hasSuffix("'calibration.parameters.diffuse_1_9' is not a source class of the project (classes: diffuse_1_1, diffuse_1_2, diffuse_1_3, point_1)"), unknown)
        let mixed = calibrateError("[calibration.parameters.diffuse_1]\n[calibration.parameters.diffuse_1_2]\n")
        XCTAssertTrue(mixed.contains("'calibration.parameters.diffuse_1_2' and 'calibration.parameters.diffuse_1' are both given"), mixed)
        let missing = calibrateError("[calibration.delivery.slope]\nraster = \"inputs/nope.tif\"\n")
        XCTAssertTrue(missing.hasPrefix("project.toml:"), missing)
        XCTAssertTrue(missing.contains("delivery.slope.raster") && missing.contains("nope.tif") && missing.contains("does not exist"), missing)
        // A raster on another grid without a CRS cannot be brought onto the DEM's.
        let other = GridGeometry(width: 7, height: 5, transform: GeoTransform(originX: 0, pixelWidth: 1, originY: 5, pixelHeight: -1, rowRotation: 0, columnRotation: 0),
                                 crs: .unknownMetric)
        try RasterWriter.write(Grid<Double>(geometry: other, filledWith: 1), to: folder.appendingPathComponent("inputs/other.tif").path,
                               options: RasterWriteOptions(overwrite: true))
        let wrongGrid = calibrateError("[calibration.delivery.slope]\nraster = \"inputs/other.tif\"\n")
        XCTAssertTrue(wrongGrid.hasPrefix("project.toml:"), wrongGrid)
        XCTAssertTrue(wrongGrid.contains("calibration.delivery.slope") && wrongGrid.contains("other.tif") && wrongGrid.contains("different grid"), wrongGrid)
        let settling = calibrateError("[calibration.settling]\n")
        XCTAssertTrue(settling.contains("'calibration.settling' needs [[reservoirs]] given with hydraulic_load_m_per_yr"), settling)
        let open = calibrateError("[calibration.decay.a]\n[calibration.decay.b]\n")
        XCTAssertTrue(open.contains("calibration.decay.b.max_velocity_m_s") && open.contains("one class only"), open)
        let negative = calibrateError("[calibration.decay.a]\nmin = -1\n")
        XCTAssertTrue(negative.contains("calibration.decay.a.min") && negative.contains("must not be negative"), negative)
        for e in [unknown, mixed, missing, wrongGrid, settling, open, negative] { XCTAssertFalse(e.contains("\n"), e) }
    }
}
