import Foundation
import XCTest
@testable import Hydro

/// A county layer saved as GBK without a .cpg (and no language byte) reads with its Chinese names.
final class ShapefileEncodingTests: XCTestCase {
    private func gbkShapefile(in folder: URL) throws -> String {
        let geojson = folder.appendingPathComponent("counties.geojson")
        try """
        {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}},"features":[
        {"type":"Feature","properties":{"code":"520302","name":"红花岗区"},"geometry":{"type":"Polygon","coordinates":[[[106,27],[107,27],[107,28],[106,27]]]}},
        {"type":"Feature","properties":{"code":"520382","name":"仁怀市"},"geometry":{"type":"Polygon","coordinates":[[[105,27],[106,27],[106,28],[105,27]]]}}]}
        """.write(to: geojson, atomically: true, encoding: .utf8)
        let shp = folder.appendingPathComponent("counties.shp").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ogr2ogr")
        p.arguments = ["-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", shp, geojson.path]
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw XCTSkip("ogr2ogr is not installed (gdal-bin)") }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        try? FileManager.default.removeItem(atPath: folder.appendingPathComponent("counties.cpg").path)
        // Clear the DBF's language-driver byte, as many tools leave it.
        let dbf = folder.appendingPathComponent("counties.dbf")
        var bytes = [UInt8](try Data(contentsOf: dbf))
        bytes[29] = 0
        try Data(bytes).write(to: dbf)
        return shp
    }

    func testGBKWithoutCPGIsDetected() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let shp = try gbkShapefile(in: folder)
        XCTAssertEqual(ShapefileEncoding.detect(shapefile: shp), "CP936")
        let layer = try VectorReader.read(shp)
        XCTAssertEqual(layer.features.compactMap { $0["name"].stringValue }, ["红花岗区", "仁怀市"])
        XCTAssertEqual(layer.warnings, [])
    }

    func testAWrongEncodingWarnsOfReplacementCharacters() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let shp = try gbkShapefile(in: folder)
        let layer = try VectorReader.read(shp, encoding: "UTF-8")
        XCTAssertEqual(layer.warnings.count, 1)
        XCTAssertTrue(layer.warnings.first?.contains("replacement characters") ?? false, "\(layer.warnings)")
    }

    func testGBKByteRules() {
        XCTAssertTrue(ShapefileEncoding.isGBK([0xBA, 0xEC, 0x41][...]))   // 红 A
        XCTAssertFalse(ShapefileEncoding.isGBK([0xBA, 0x7F][...]))
        XCTAssertFalse(ShapefileEncoding.isGBK([0x80, 0x41][...]))
    }
}
