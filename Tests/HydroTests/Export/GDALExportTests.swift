import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Hydro

/// Outputs as GDAL and QGIS expect them: validated creation options, unit types, band
/// descriptions, COGs with overviews, attribute tables, QGIS styles, Excel workbooks.
final class GDALExportTests: XCTestCase {
    private func dem(_ width: Int = 60, _ height: Int = 40) throws -> Grid<Float> {
        SyntheticTerrain.valley(width: width, height: height, seed: 5, crs: try CoordinateSystem.parse("EPSG:32648"))
    }

    func testUnknownOrInvalidCreationOptionsAreErrors() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("o.tif").path
        for (format, option, expected) in [("GTiff", "COMPRESS=BOGUS", "BOGUS"), ("GTiff", "NO_SUCH_OPTION=1", "NO_SUCH_OPTION"),
                                           ("COG", "BLOCKSIZE=abc", "BLOCKSIZE"), ("COG", "TILED=YES", "TILED")] {
            let options = RasterWriteOptions(format: format, creationOptions: [option])
            XCTAssertThrowsError(try RasterWriter.validate(options), option) { error in
                XCTAssertTrue("\(error)".contains("--co"), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
            XCTAssertThrowsError(try RasterWriter.write(try dem(), to: path, options: options), option)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "no file written for \(option)")
        }
        XCTAssertNoThrow(try RasterWriter.validate(RasterWriteOptions(creationOptions: ["COMPRESS=LZW", "TILED=NO"])))
        XCTAssertNoThrow(try RasterWriter.validate(RasterWriteOptions(format: "COG", creationOptions: ["COMPRESS=ZSTD"])))
    }

    func testUnitTypesDescriptionsAndCOGOverviewsPassGDALsValidator() throws {
        let python = try systemPythonWithGDAL()
        let folder = try TestPaths.temporaryFolder(self)
        for (size, name) in [((60, 40), "small.tif"), ((700, 300), "large.tif")] {
            let path = folder.appendingPathComponent(name).path
            try RasterWriter.write(try dem(size.0, size.1), to: path,
                                   options: RasterWriteOptions(format: "COG", bandDescriptions: ["elevation (m)"], bandUnits: ["m"]))
            let validation = try XCTUnwrap(try runExternal(python, ["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", path]))
            XCTAssertEqual(validation.status, 0, validation.stdout + validation.stderr)
            XCTAssertTrue(validation.stdout.contains("is a valid cloud optimized GeoTIFF"), validation.stdout)
            let info = try XCTUnwrap(try runExternal("gdalinfo", [path]))
            XCTAssertTrue(info.stdout.contains("Overviews:"), "\(name) has overviews: \(info.stdout)")
            XCTAssertTrue(info.stdout.contains("Description = elevation (m)"), info.stdout)
            XCTAssertTrue(info.stdout.contains("Unit Type: m"), info.stdout)
        }
    }

    func testAttributeTableListsEveryClassWithCodeAndName() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let geometry = GridGeometry.metric(width: 4, height: 2, cellSize: 100)
        let labels = Grid<Int32>(geometry: geometry, trustedCells: [1, 1, 2, 2, 3, 3, 0, 0], nodata: 0)
        let table = RasterAttributeTable(rows: [.init(value: 1, code: "530627", name: "镇雄县"), .init(value: 2, code: "520502", name: "七星关区"),
                                                .init(value: 3, code: "510525", name: "古蔺县")])
        for format in ["GTiff", "COG"] {
            let path = folder.appendingPathComponent("j-\(format).tif").path
            try RasterWriter.write(labels, to: path, options: RasterWriteOptions(format: format, attributeTable: table))
            let read = try RasterReader.attributeTable(path)
            XCTAssertEqual(read, table, format)
        }
    }

    func testGeoPackageCarriesQGISStylesInLayerStyles() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("streams.gpkg").path
        let layer = VectorLayer(name: "streams", fields: [FieldDefinition("strahler", .integer)],
                                features: [Feature(geometry: .lineString([Coordinate(0, 0), Coordinate(1, 1)]), attributes: ["strahler": .integer(2)])],
                                crs: try CoordinateSystem.parse("EPSG:32648"))
        let qml = QGISStyle.streamsByOrder(maxOrder: 3)
        try VectorWriter.write(layer, to: path, overwrite: true, styles: [LayerStyle(table: "streams", name: "by Strahler order", qml: qml, description: "d")])
        let styles = try VectorReader.read(path + "|layername=layer_styles")
        XCTAssertEqual(styles.features.count, 1)
        XCTAssertEqual(styles.features[0]["f_table_name"].stringValue, "streams")
        XCTAssertEqual(styles.features[0]["f_geometry_column"].stringValue, "geom")
        XCTAssertEqual(styles.features[0]["useAsDefault"].doubleValue, 1)
        XCTAssertEqual(styles.features[0]["styleQML"].stringValue, qml)
        // The QML is well-formed XML with one class per Strahler order.
        let parser = XMLParser(data: Data(qml.replacingOccurrences(of: "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>", with: "").utf8))
        XCTAssertTrue(parser.parse())
        XCTAssertEqual(qml.components(separatedBy: "<range ").count - 1, 3)
        // The streams layer itself is untouched.
        XCTAssertEqual(try VectorReader.read(path + "|layername=streams").features.count, 1)
    }

    func testWorkbookOpensWithOgrinfoAndHoldsTheLedgerRows() throws {
        let folder = try TestPaths.temporaryFolder(self)
        let path = folder.appendingPathComponent("settlement.xlsx").path
        let entries = (0..<7).map { k in
            LedgerEntry(period: "2024-0\(k + 1)", section: "S1", payer: "530627", payee: "520502", fen: 100_050 + Int64(k) * 100,
                        rule: "monthly_two_way met", measured: "TP 0.1", target: "TP 0.1", excess: "", shares: "equal")
        }
        let directory = PartyDirectory(names: ["530627": "镇雄县", "520502": "七星关区"])
        let sheets = SettlementTables.workbook(entries: entries, totals: Settlement.partyTotals(entries), shares: [], year: 2024,
                                               currency: "CNY", directory: directory)
        try VectorWriter.write(layers: sheets, to: path, format: "XLSX", overwrite: true)
        guard let info = try runExternal("ogrinfo", ["-ro", "-al", "-so", path]) else { throw XCTSkip("ogrinfo not installed") }
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("Layer name: ledger"), info.stdout)
        XCTAssertTrue(info.stdout.contains("Feature Count: 7"), info.stdout)
        XCTAssertTrue(info.stdout.contains("Layer name: balances"), info.stdout)
        let ledger = try VectorReader.read(path + "|layername=ledger")
        XCTAssertEqual(ledger.features.count, entries.count)
        XCTAssertEqual(ledger.features[0]["payer_name"].stringValue, "镇雄县")
        XCTAssertEqual(ledger.features[6]["amount"].doubleValue ?? 0, 1006.5, accuracy: 1e-9)
        let balances = try VectorReader.read(path + "|layername=balances")
        XCTAssertEqual(balances.features.compactMap { $0["party_name"].stringValue }.sorted(), ["七星关区", "镇雄县"])
    }
}
