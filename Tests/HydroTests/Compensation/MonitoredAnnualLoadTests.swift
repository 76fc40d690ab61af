import XCTest
@testable import Hydro

final class MonitoredAnnualLoadTests: XCTestCase {
    func testMonthlyConcentrationTimesVolumeGivesTheMeanAnnualLoad() throws {
        // Section A, 2024: TP in January (0.1 mg/L, 10 m³/s over 31 days) and February (0.2 mg/L,
        // 5 m³/s over the 29 days of a leap February); March has TP but no flow; the other nine months nothing.
        let csv = """
        section,period,parameter,concentration,flow_m3s
        A,2024-01,TP,0.1,10
        A,2024-02,TP,0.2,5
        A,2024-03,TP,0.3,
        B,2023-12,CODMn,4,2
        """
        let data = try MonitoringData.parse(csv, file: "m.csv")
        let loads = data.annualLoads()
        XCTAssertEqual(loads.map(\.section), ["A", "B"])
        let a = try XCTUnwrap(loads.first)
        let january = 0.1 * 10 * 31 * 86400 / 1000, february = 0.2 * 5 * 29 * 86400 / 1000
        XCTAssertEqual(january, 2_678.4, accuracy: 1e-9)
        XCTAssertEqual(february, 2_505.6, accuracy: 1e-9)
        XCTAssertEqual(a.kgPerYear, (january + february) / 2 * 12, accuracy: 1e-6)
        XCTAssertEqual(a.kgPerYear, 31_104, accuracy: 1e-6)
        XCTAssertEqual(a.monthsUsed, ["2024-01", "2024-02"])
        XCTAssertEqual(a.monthsMissing, ["2024-03"] + (4...12).map { String(format: "2024-%02d", $0) })
        // B: one December of 4 mg/L × 2 m³/s × 31 days, so twelve times that a year.
        XCTAssertEqual(loads[1].kgPerYear, 4 * 2 * 31 * 86400 / 1000 * 12, accuracy: 1e-6)
        XCTAssertEqual(loads[1].monthsMissing.count, 11)
    }

    func testAPollutantWithoutAnyFlowHasNoLoad() throws {
        let data = try MonitoringData.parse("section,period,parameter,concentration\nA,2024-01,TP,0.1\n", file: "m.csv")
        XCTAssertEqual(data.annualLoads(), [])
    }
}
