import CPROJ
import XCTest
@testable import Hydro

final class GridTests: XCTestCase {
    func testNodataThatTheCellTypeCannotHoldIsRejected() {
        XCTAssertThrowsError(try Grid<UInt8>.nodataSentinel(-9999, file: "x.tif")) { error in
            XCTAssertTrue("\(error)".contains("x.tif"))
            XCTAssertTrue("\(error)".contains("-9999"))
        }
        XCTAssertThrowsError(try Grid<Int16>.nodataSentinel(40000, file: "x.tif"))
        XCTAssertThrowsError(try Grid<Float>.nodataSentinel(1e300, file: "x.tif"))
        XCTAssertEqual(try Grid<Int16>.nodataSentinel(-32768, file: "x.tif"), -32768)
        XCTAssertNil(try Grid<Float>.nodataSentinel(nil, file: "x.tif"))
    }

    func testNaNNodataIsRecognised() throws {
        let g = try Grid<Float>(geometry: .metric(width: 3, height: 1), cells: [1, .nan, 3], nodata: .nan)
        XCTAssertEqual(g.validCount, 2)
        XCTAssertFalse(g.isValid(at: 1))
        let stats = GridStatistics(g)
        XCTAssertEqual(stats.minimum, 1)
        XCTAssertEqual(stats.maximum, 3)
    }

    func testMapAndCellCoordinatesAreInverse() {
        let geometry = GridGeometry(width: 10, height: 5,
                                    transform: GeoTransform(originX: 100, pixelWidth: 0.5, originY: 30, pixelHeight: -0.25),
                                    crs: .unknownMetric)
        let centre = geometry.centre(column: 3, row: 2)
        XCTAssertEqual(centre.x, 101.75, accuracy: 1e-12)
        XCTAssertEqual(centre.y, 29.375, accuracy: 1e-12)
        let cell = geometry.cell(x: centre.x, y: centre.y)
        XCTAssertEqual(cell?.column, 3)
        XCTAssertEqual(cell?.row, 2)
        XCTAssertNil(geometry.cell(x: 99.9, y: 29))
        XCTAssertNil(geometry.cell(x: 101, y: 31))
    }

    /// True cell areas from PROJ's geodesic polygon area with densified parallels (the four-corner
    /// polygon has geodesic top and bottom edges, which are not parallels).
    private func geodesicCellArea(west: Double, east: Double, south: Double, north: Double, _ e: Ellipsoid) -> Double {
        var g = geod_geodesic()
        geod_init(&g, e.semiMajorAxis, e.flattening)
        let steps = 400
        var lats: [Double] = [], lons: [Double] = []
        for i in 0...steps { lats.append(south); lons.append(west + (east - west) * Double(i) / Double(steps)) }
        for i in 0...steps { lats.append(north); lons.append(east - (east - west) * Double(i) / Double(steps)) }
        var area = 0.0, perimeter = 0.0
        geod_polygonarea(&g, &lats, &lons, Int32(lats.count), &area, &perimeter)
        return abs(area)
    }

    func testGeographicCellAreasAgreeWithGeodesicComputation() throws {
        for (crs, ellipsoid) in [("EPSG:4326", Ellipsoid.wgs84), ("EPSG:4490", Ellipsoid.cgcs2000)] {
            let system = try CoordinateSystem.parse(crs)
            XCTAssertTrue(system.isGeographic)
            XCTAssertEqual(system.ellipsoid.inverseFlattening, ellipsoid.inverseFlattening, accuracy: 1e-9)
            let step = 0.25
            let geometry = GridGeometry(width: 4, height: 40,
                                        transform: GeoTransform(originX: 104, pixelWidth: step, originY: 40, pixelHeight: -step),
                                        crs: system)
            let metrics = try CellMetrics(geometry)
            for row in [0, 7, 20, 39] {
                let north = 40 - Double(row) * step, south = north - step
                let expected = geodesicCellArea(west: 104, east: 104 + step, south: south, north: north, ellipsoid)
                XCTAssertEqual(metrics.area[row] / expected, 1, accuracy: 1e-6, "\(crs) row \(row)")
                // Width along the parallel and height along the meridian, from PROJ's inverse geodesic.
                var g = geod_geodesic()
                geod_init(&g, ellipsoid.semiMajorAxis, ellipsoid.flattening)
                var s12 = 0.0, a1 = 0.0, a2 = 0.0
                geod_inverse(&g, south, 104, north, 104, &s12, &a1, &a2)
                XCTAssertEqual(metrics.height[row] / s12, 1, accuracy: 1e-9)
                let mid = (south + north) / 2
                // A short geodesic along a parallel is within 1e-6 of the parallel arc at 0.25°.
                geod_inverse(&g, mid, 104, mid, 104 + step, &s12, &a1, &a2)
                XCTAssertEqual(metrics.width[row] / s12, 1, accuracy: 1e-6)
            }
            // Rows differ: geographic cells are never treated as square or uniform.
            XCTAssertGreaterThan(metrics.width[39], metrics.width[0])
        }
    }

    func testGuizhouDEMCellsSumToTheBoundingBoxArea() throws {
        let path = try TestPaths.shared("guizhou_dem_1km/guizhou_region_dem_1km.tif")
        let info = try RasterReader.info(path)
        let g = info.geometry
        let metrics = try CellMetrics(g)
        let sum = metrics.area.reduce(0, +) * Double(g.width)
        let e = g.extent
        let expected = geodesicCellArea(west: e.minX, east: e.maxX, south: e.minY, north: e.maxY, g.crs.ellipsoid)
        XCTAssertEqual(sum / expected, 1, accuracy: 1e-6)
    }

    func testProjectedCellsUseTheLinearUnit() throws {
        let geometry = GridGeometry(width: 2, height: 2,
                                    transform: GeoTransform(originX: 0, pixelWidth: 30, originY: 60, pixelHeight: -30),
                                    crs: try CoordinateSystem.parse("EPSG:32648"))
        let metrics = try CellMetrics(geometry)
        XCTAssertEqual(metrics.area, [900, 900])
        XCTAssertEqual(metrics.diagonal[0], 30 * 2.0.squareRoot(), accuracy: 1e-12)
    }

    func testRotatedGridsAreRefused() {
        let geometry = GridGeometry(width: 2, height: 2,
                                    transform: GeoTransform(originX: 0, pixelWidth: 1, originY: 0, pixelHeight: -1, rowRotation: 0.1),
                                    crs: .unknownMetric)
        XCTAssertThrowsError(try CellMetrics(geometry))
    }
}
