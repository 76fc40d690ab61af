import Foundation
@testable import Hydro
import XCTest

final class CoordinateTransformTests: XCTestCase {
    func testUTMToLonLatOnTheCentralMeridianAndTheEquator() throws {
        // UTM zone 48N has its central meridian at 105° E and false easting 500 km: easting 500 km is 105° E
        // at every latitude, and northing 0 is the equator.
        let t = try CoordinateTransform(from: try CoordinateSystem.parse("EPSG:32648"), to: try CoordinateSystem.parse("EPSG:4326"))
        let equator = try t.apply(Coordinate(500_000, 0))
        XCTAssertEqual(equator.x, 105, accuracy: 1e-9)
        XCTAssertEqual(equator.y, 0, accuracy: 1e-9)
        // One degree of latitude is 110.574 km at the equator and 110.649 km at 15°; 3,100 km of meridian arc
        // from the equator (over the scale factor 0.9996) reach about 28.04°.
        let north = try t.apply(Coordinate(500_000, 3_100_000))
        XCTAssertEqual(north.x, 105, accuracy: 1e-9)
        XCTAssertTrue(north.y > 27.9 && north.y < 28.1, "\(north.y)")
        // West of the central meridian the longitude is smaller; x stays longitude (no axis swap).
        let west = try t.apply(Coordinate(420_000, 3_120_000))
        XCTAssertTrue(west.x > 104 && west.x < 105 && west.y > 28 && west.y < 28.4, "\(west)")
    }

    func testGeometriesKeepTheirShapeAndTheSameCRSIsTheIdentity() throws {
        let utm = try CoordinateSystem.parse("EPSG:32648")
        let t = try CoordinateTransform(from: utm, to: try CoordinateSystem.parse("EPSG:4326"))
        let ring = [Coordinate(500_000, 0), Coordinate(510_000, 0), Coordinate(510_000, 10_000), Coordinate(500_000, 0)]
        guard case .polygon(let rings) = try t.apply(Geometry.polygon([ring])) else { return XCTFail("not a polygon") }
        XCTAssertEqual(rings.count, 1)
        XCTAssertEqual(rings[0].count, 4)
        XCTAssertEqual(rings[0].first, rings[0].last)
        let same = try CoordinateTransform(from: utm, to: utm)
        XCTAssertEqual(try same.apply(Coordinate(1, 2)), Coordinate(1, 2))
        XCTAssertThrowsError(try CoordinateTransform(from: .unknownMetric, to: utm))
    }
}
