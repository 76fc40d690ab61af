import Foundation
import XCTest
@testable import Hydro

final class RasterIOTests: XCTestCase {
    private func geographicGeometry(width: Int, height: Int) throws -> GridGeometry {
        GridGeometry(width: width, height: height,
                     transform: GeoTransform(originX: 105.5, pixelWidth: 1.0 / 120, originY: 28.25, pixelHeight: -1.0 / 120),
                     crs: try CoordinateSystem.parse("EPSG:4326"))
    }

    private func assertRoundTrip<Cell: GridCell>(_ cells: [Cell], nodata: Cell?, options: RasterWriteOptions = .init(),
                                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try TestPaths.temporaryFolder(self)
        let geometry = try geographicGeometry(width: 7, height: 5)
        let original = try Grid(geometry: geometry, cells: cells, nodata: nodata)
        let path = folder.appendingPathComponent("round.tif").path
        try RasterWriter.write(original, to: path, options: options)
        let back = try RasterReader.read(path, as: Cell.self)
        XCTAssertEqual(back.geometry.transform, geometry.transform, file: file, line: line)
        XCTAssertTrue(back.geometry.crs.isSame(as: geometry.crs), file: file, line: line)
        XCTAssertEqual(back.geometry.crs.authority, "EPSG:4326", file: file, line: line)
        XCTAssertTrue(back.nodata == nodata || (back.nodata?.isNaN == true && nodata?.isNaN == true), file: file, line: line)
        XCTAssertEqual(back.cells.count, cells.count, file: file, line: line)
        // Bit for bit, NaN included.
        for (a, b) in zip(back.cells, cells) {
            XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "\(a) != \(b)", file: file, line: line)
        }
        let info = try RasterReader.info(path)
        XCTAssertEqual(info.metadata["HYDROTOOL_VERSION"], Provenance.version, file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".hydrotool-tmp") }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testFloat32RoundTripIsBitExact() throws {
        var cells = (0..<35).map { Float($0) * 1.1 - 7.3 }
        cells[3] = -9999
        cells[4] = .leastNonzeroMagnitude
        cells[5] = .greatestFiniteMagnitude
        try assertRoundTrip(cells, nodata: -9999)
    }

    func testFloat32NaNNodataRoundTrips() throws {
        var cells = (0..<35).map { Float($0) }
        cells[10] = .nan
        try assertRoundTrip(cells, nodata: Float.nan)
    }

    /// Float64 grids stored as Float32 (GDAL narrowing each block) hold what `Float(_:)` gives, bit
    /// for bit, rounding halfway cases, subnormals and NaN included; a value beyond Float32's range
    /// is refused as infinite, naming the cell, with no file left behind.
    func testFloat64GridsStoredAsFloat32EqualTheirFloatConversion() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let geometry = try geographicGeometry(width: 7, height: 5)
        var values = (0..<35).map { Double($0) * 1.000000123456789 - 7.3 }
        values[1] = .nan
        values[2] = Double(Float.greatestFiniteMagnitude)
        values[3] = 1e-42  // subnormal in Float32
        values[4] = 1 + 0x1p-24  // halfway between two Float32 values: rounds to even
        values[5] = -0.0
        let bands = [values, values.enumerated().map { $0.offset == 2 ? -$0.element : $0.element * 3.7e5 }]
        let path = folder.appendingPathComponent("narrowed.tif").path
        try RasterWriter.write(bandCount: 2, geometry: geometry, to: path, storedAs: .float32) { k in
            Grid(geometry: geometry, trustedCells: bands[k], nodata: Double.nan)
        }
        let info = try RasterReader.info(path)
        XCTAssertEqual(info.bands.map(\.dataType), ["Float32", "Float32"])
        for k in 0..<2 {
            let back = try RasterReader.read(path, band: k + 1, as: Float.self)
            for (a, b) in zip(back.cells, bands[k].map { Float($0) }) {
                XCTAssertTrue(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "band \(k + 1): \(a) != \(b)")
            }
        }
        var tooLarge = values
        tooLarge[20] = 1e300
        let refused = folder.appendingPathComponent("refused.tif").path
        XCTAssertThrowsError(try RasterWriter.write(bandCount: 1, geometry: geometry, to: refused, storedAs: .float32) { _ in
            Grid(geometry: geometry, trustedCells: tooLarge, nodata: Double.nan)
        }) { error in XCTAssertTrue("\(error)".contains("column 6, row 2"), "\(error)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused))
    }

    func testInt16AndUInt8RoundTripsAreExact() throws {
        try assertRoundTrip((0..<35).map { Int16($0 * 937 - 16000) }, nodata: Int16.min)
        try assertRoundTrip((0..<35).map { UInt8($0 * 7) }, nodata: UInt8(255))
    }

    func testCloudOptimizedGeoTIFFAndOtherDrivers() throws {
        try assertRoundTrip((0..<35).map { Float($0) / 3 }, nodata: -1, options: RasterWriteOptions(format: "COG"))
        try assertRoundTrip((0..<35).map { Int16($0) }, nodata: -1,
                            options: RasterWriteOptions(creationOptions: ["COMPRESS=LZW", "TILED=NO"]))
        let folder = try TestPaths.temporaryFolder(self)
        let cog = folder.appendingPathComponent("cog.tif").path
        let big = SyntheticTerrain.valley(width: 600, height: 600, crs: try CoordinateSystem.parse("EPSG:32648"))
        try RasterWriter.write(big, to: cog, options: RasterWriteOptions(format: "COG"))
        let info = try RasterReader.info(cog)
        XCTAssertEqual(info.driver, "GTiff")
        let asc = folder.appendingPathComponent("dem.asc").path
        try RasterWriter.write(big, to: asc, options: RasterWriteOptions(format: "AAIGrid"))
        let back = try RasterReader.read(asc, as: Float.self)
        XCTAssertEqual(back.width, 600)
        XCTAssertEqual(back.cells[12345], big.cells[12345], accuracy: 1e-3)
    }

    func testDefaultGeoTIFFIsTiledAndCompressed() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("t.tif").path
        let dem = SyntheticTerrain.valley(width: 300, height: 200)
        try RasterWriter.write(dem, to: path)
        let list = RasterWriter.creationOptionList(RasterWriteOptions(), kind: .float32)
        XCTAssertEqual(list.value("PREDICTOR"), "3")
        XCTAssertEqual(RasterWriter.creationOptionList(RasterWriteOptions(), kind: .int16).value("PREDICTOR"), "2")
        XCTAssertEqual(RasterWriter.creationOptionList(RasterWriteOptions(creationOptions: ["COMPRESS=ZSTD"]), kind: .int16).value("COMPRESS"), "ZSTD")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        XCTAssertLessThan(size, 300 * 200 * 4 / 2, "DEFLATE with a predictor should at least halve a smooth DEM")
    }

    func testScaleAndOffsetAreApplied() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("scaled.tif").path
        let source = try Grid<Int16>(geometry: .metric(width: 3, height: 1), cells: [10, 20, -1], nodata: -1)
        try RasterWriter.write(source, to: path)
        let translated = folder.appendingPathComponent("scaled2.tif").path
        let status = try shell("gdal_translate", "-q", "-a_scale", "0.5", "-a_offset", "100", path, translated)
        XCTAssertEqual(status, 0)
        let back = try RasterReader.read(translated, as: Float.self)
        XCTAssertEqual(Array(back.cells.prefix(2)), [105, 110])
        XCTAssertFalse(back.isValid(at: 2))
        XCTAssertThrowsError(try RasterReader.read(translated, as: Int16.self))
    }

    func testReadsOtherFormatsThroughGDAL() throws {
        let netcdf = try TestPaths.shared("china_dem_0p2deg_cnmaps/china-dem.nc")
        let info = try RasterReader.info(netcdf)
        XCTAssertGreaterThan(info.geometry.width, 100)
        let zipFolder = try TestPaths.temporaryFolder(self)
        let tif = try TestPaths.shared("guizhou_dem_1km/chishui_basin_dem_1km.tif")
        let zip = zipFolder.appendingPathComponent("dem.zip").path
        XCTAssertEqual(try shell("/usr/bin/python3", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1], \"w\").write(sys.argv[2], \"chishui_basin_dem_1km.tif\")", zip, tif), 0)
        let fromZip = try RasterReader.read("/vsizip/\(zip)/chishui_basin_dem_1km.tif", as: Float.self)
        let direct = try RasterReader.read(tif, as: Float.self)
        XCTAssertEqual(fromZip.cells, direct.cells)
        let vrt = try TestPaths.shared("small_dem_logan_taudem/tiles")
        let vrtFiles = try FileManager.default.contentsOfDirectory(atPath: vrt).filter { $0.hasSuffix(".vrt") }
        if let first = vrtFiles.first {
            let mosaic = try RasterReader.read("\(vrt)/\(first)", as: Float.self)
            XCTAssertGreaterThan(mosaic.validCount, 0)
        }
    }

    func testErrorsNameTheFileAndLeaveNothingBehind() throws {
        let folder = try TestPaths.temporaryFolder(self)
        XCTAssertThrowsError(try RasterReader.read("/no/such/dem.tif", as: Float.self)) { error in
            XCTAssertEqual("\(error)", "/no/such/dem.tif: does not exist")
        }
        let text = folder.appendingPathComponent("notes.txt")
        try "not a raster".write(to: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RasterReader.read(text.path, as: Float.self)) { error in
            XCTAssertTrue("\(error)".hasPrefix(text.path + ": cannot open"), "\(error)")
        }
        let dem = folder.appendingPathComponent("dem.tif").path
        try RasterWriter.write(SyntheticTerrain.valley(width: 20, height: 20), to: dem)
        XCTAssertThrowsError(try RasterReader.read(dem, band: 2, as: Float.self)) { error in
            XCTAssertEqual("\(error)", "\(dem): band 2 does not exist (the file has 1 band)")
        }
        XCTAssertThrowsError(try RasterWriter.write(SyntheticTerrain.valley(width: 20, height: 20), to: dem)) { error in
            XCTAssertEqual((error as? HydroError)?.kind, .outputExists)
        }
        XCTAssertThrowsError(try RasterWriter.write(SyntheticTerrain.valley(width: 20, height: 20), to: "/no/such/folder/out.tif")) { error in
            XCTAssertTrue("\(error)".contains("/no/such/folder"))
        }
        let readOnly = folder.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: readOnly.path) }
        if getuid() != 0 {  // root writes anywhere
            XCTAssertThrowsError(try RasterWriter.write(SyntheticTerrain.valley(width: 20, height: 20),
                                                        to: readOnly.appendingPathComponent("o.tif").path))
        }
        // A driver that refuses the data leaves no partial file.
        let bad = folder.appendingPathComponent("bad.asc").path
        let band = SyntheticTerrain.valley(width: 20, height: 20)
        XCTAssertThrowsError(try RasterWriter.write(bands: [band, band], to: bad,
                                                    options: RasterWriteOptions(format: "AAIGrid"))) { error in
            XCTAssertTrue("\(error)".hasPrefix(bad), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad))
        XCTAssertThrowsError(try RasterWriter.write(SyntheticTerrain.valley(width: 20, height: 20), to: bad,
                                                    options: RasterWriteOptions(format: "NoSuchDriver")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".hydrotool") }
        XCTAssertEqual(leftovers, [])
    }

    func testCancelledWriteLeavesNoFile() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("cancel.tif").path
        let stop = TaskProgress { $0 < 0.3 }
        XCTAssertThrowsError(try RasterWriter.write(SyntheticTerrain.valley(width: 500, height: 500), to: path,
                                                    options: RasterWriteOptions(format: "COG"), progress: stop))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testProgressIsMonotonicAndEndsAtOne() throws {
        var seen: [Double] = []
        var dem = SyntheticTerrain.valley(width: 300, height: 300)
        let progress = TaskProgress { seen.append($0); return true }
        _ = try DepressionFilling.fill(&dem, progress: progress)
        XCTAssertEqual(seen.last, 1)
        XCTAssertEqual(seen, seen.sorted())
    }
}

@discardableResult
func shell(_ command: String, _ arguments: String...) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command.hasPrefix("/") ? command : "/usr/bin/\(command)")
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

final class RasterWarpTests: XCTestCase {
    /// A raster on another grid is brought onto the DEM's: categories by nearest cell, per-cell amounts by sum.
    func testResamplingOntoAnotherGridKeepsMassAndCategories() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let crs = try CoordinateSystem.parse("EPSG:32648")
        let coarse = GridGeometry(width: 10, height: 8, transform: GeoTransform(originX: 500_000, pixelWidth: 90, originY: 3_000_000, pixelHeight: -90), crs: crs)
        let fine = GridGeometry(width: 20, height: 16, transform: GeoTransform(originX: 500_000, pixelWidth: 45, originY: 3_000_000, pixelHeight: -45), crs: crs)
        let ones = try Grid<Double>(geometry: fine, cells: [Double](repeating: 1, count: fine.cellCount), nodata: -1)
        let path = folder.appendingPathComponent("kg.tif").path
        try RasterWriter.write(ones, to: path)
        let summed = try RasterReader.read(path, as: Double.self, onto: coarse, resampling: .sum)
        XCTAssertEqual(summed.cells.reduce(0, +), Double(fine.cellCount), accuracy: 1e-9, "mass is kept")
        XCTAssertEqual(summed.geometry, coarse)
        let classes = try Grid<Int32>(geometry: fine, cells: (0..<fine.cellCount).map { Int32($0 % 20 < 10 ? 1 : 2) }, nodata: 0)
        let classPath = folder.appendingPathComponent("lu.tif").path
        try RasterWriter.write(classes, to: classPath)
        let nearest = try RasterReader.read(classPath, as: Int32.self, onto: coarse, resampling: .nearest)
        XCTAssertEqual(Set(nearest.cells), [1, 2])
        XCTAssertEqual(nearest[0, 0], 1)
        XCTAssertEqual(nearest[9, 0], 2)
    }

    func testConflictingProjectKeysAreRefused() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let project = try DemoCase.write(into: folder.path, seed: 2, size: 60)
        XCTAssertThrowsError(try ProjectConfig.load(project, overrides: ["transport.velocity_m_per_s=0.4"])) { error in
            XCTAssertTrue("\(error)".contains("'transport.velocity_m_per_s' (from --set) and 'transport.velocity_a' (line"), "\(error)")
            XCTAssertTrue("\(error)".contains("cannot be combined"), "\(error)")
        }
        XCTAssertNoThrow(try ProjectConfig.load(project, overrides: ["decay.TP=0.07"]))
    }
}
