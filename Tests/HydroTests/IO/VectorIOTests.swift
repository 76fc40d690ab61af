import Foundation
import XCTest
@testable import Hydro

final class VectorIOTests: XCTestCase {
    func testCountyLayerReadsWithIntactChineseNames() throws {
        let path = try TestPaths.shared("counties_cgcs2000_guizhou_region/counties_guizhou_region_cgcs2000.gpkg")
        let layer = try VectorReader.read(path)
        XCTAssertEqual(layer.features.count, 235)
        let names = Set(layer.features.compactMap { feature in
            layer.fields.lazy.compactMap { feature[$0.name].stringValue }.first { $0.hasSuffix("市") || $0.hasSuffix("县") }
        })
        XCTAssertTrue(names.contains("赤水市"), "names seen: \(names.prefix(5))")
        XCTAssertTrue(layer.features.allSatisfy { !($0.geometry?.polygonParts.isEmpty ?? true) })
    }

    func testLayerOfAMultiLayerSourceIsChosenByName() throws {
        let path = try TestPaths.shared("counties_cgcs2000_guizhou_region/counties_guizhou_region_cgcs2000.gpkg")
        let lines = try VectorReader.read(path + "|layername=county_boundary_lines_raw")
        XCTAssertEqual(lines.features.count, 2210)
        XCTAssertFalse(lines.features.first?.geometry?.lineParts.isEmpty ?? true)
        XCTAssertThrowsError(try VectorReader.read(path + "|layername=nope")) { XCTAssertTrue("\($0)".contains("has no layer 'nope'")) }
    }

    func testReprojectionUsesLongitudeLatitudeOrder() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("pt.geojson").path
        let wgs84 = try CoordinateSystem.parse("EPSG:4326")
        let layer = VectorLayer(name: "pts", fields: [FieldDefinition("name", .string)],
                                features: [Feature(geometry: .point(Coordinate(105.0, 27.0)), attributes: ["name": .string("赤水河")])],
                                crs: wgs84)
        try VectorWriter.write(layer, to: path)
        let utm = try CoordinateSystem.parse("EPSG:32648")
        let back = try VectorReader.read(path, targetCRS: utm)
        guard case .point(let p)? = back.features.first?.geometry else { return XCTFail("no point") }
        // 105°E is the central meridian of UTM zone 48: easting 500 000 m, northing ≈ 2 987 000 m.
        XCTAssertEqual(p.x, 500_000, accuracy: 0.01)
        XCTAssertEqual(p.y, 2_987_326, accuracy: 1000)
        XCTAssertEqual(back.features.first?["name"], .string("赤水河"))
    }

    func testGeoPackageRoundTripKeepsCRSFieldsAndGeometry() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("out.gpkg").path
        let crs = try CoordinateSystem.parse("EPSG:32648")
        let square: [[Coordinate]] = [[Coordinate(0, 0), Coordinate(100, 0), Coordinate(100, 100), Coordinate(0, 100), Coordinate(0, 0)]]
        let layer = VectorLayer(name: "zones", fields: [FieldDefinition("code", .integer), FieldDefinition("area", .real), FieldDefinition("名称", .string)],
                                features: [Feature(geometry: .polygon(square), attributes: ["code": .integer(520381), "area": .real(0.01), "名称": .string("赤水市")])],
                                crs: crs)
        try VectorWriter.write(layer, to: path)
        let back = try VectorReader.read(path)
        XCTAssertEqual(back.crs.authority, "EPSG:32648")
        XCTAssertEqual(back.features.first?["code"], .integer(520381))
        XCTAssertEqual(back.features.first?["名称"], .string("赤水市"))
        XCTAssertEqual(back.features.first?.geometry?.polygonParts.first?.first?.count, 5)
        XCTAssertThrowsError(try VectorWriter.write(layer, to: path)) { XCTAssertEqual(($0 as? HydroError)?.kind, .outputExists) }
    }

    func testMissingFieldErrorListsTheFields() throws {
        let layer = VectorLayer(name: "l", fields: [FieldDefinition("a", .string)], crs: .unknownMetric)
        XCTAssertThrowsError(try layer.requireField("name", source: "c.gpkg")) { error in
            XCTAssertEqual("\(error)", "c.gpkg: has no field 'name' (fields: a)")
        }
    }
}
