import Foundation
import XCTest
@testable import Hydro

/// Shapiro–Wilk and PPCC against SciPy 1.17 (`scipy.stats.shapiro`, which implements AS R94; the PPCC
/// as numpy's correlation of the sorted values with `scipy.stats.norm.ppf((i − 3/8)/(n + 1/4))`).
final class ResidualNormalityTests: XCTestCase {
    func testNormalQuantileMatchesSciPy() {
        let cases: [(Double, Double)] = [(1e-10, -6.3613409), (0.001, -3.09023231), (0.025, -1.95996398), (0.3, -0.52440051), (0.5, 0)]
        for (p, z) in cases {
            XCTAssertEqual(Normal.quantile(p), z, accuracy: 1e-7, "Φ⁻¹(\(p))")
            XCTAssertEqual(Normal.quantile(1 - p), -z, accuracy: 1e-7, "Φ⁻¹(1 − \(p))")
        }
        // Round trip in the far tail, where a quantile from a symmetric formula would lose digits.
        XCTAssertEqual(Normal.upperTail(-Normal.quantile(1e-300)), 1e-300, accuracy: 1e-310)
    }

    func testShapiroWilkAndPPCCMatchSciPy() throws {
        let sets: [(String, [Double], w: Double, p: Double, ppcc: Double)] = [
            ("three", [1, 2, 4], 0.9642857142857142, 0.6368868450289689, 0.9819805060619657),
            ("four", [1, 2, 3, 10], 0.8068856643251408, 0.11515298127551521, 0.8929028449592222),
            ("sine8", (1...8).map { sin(1.7 * Double($0)) }, 0.8693653995099311, 0.14858990058214117, 0.9475872477109067),
            ("sine11", (1...11).map { sin(1.7 * Double($0)) + 0.1 * Double($0) }, 0.9202543861834159, 0.32076449056457434, 0.9651184914084955),
            ("exp12", (0..<12).map { exp(Double($0) / 3) }, 0.8251670878972162, 0.018368840563976193, 0.9097805354101941),
            ("squares40", (1...40).map { Double($0 * $0) }, 0.8992901087564209, 0.0018230487496147536, 0.9549274220084375),
        ]
        for (name, x, w, p, r) in sets {
            let result = try XCTUnwrap(ResidualNormality(x), name)
            XCTAssertEqual(result.shapiroWilkW, w, accuracy: 1e-6, "\(name) W")
            XCTAssertEqual(result.shapiroWilkP, p, accuracy: 1e-6 + 1e-4 * p, "\(name) p")
            XCTAssertEqual(result.ppcc, r, accuracy: 1e-9, "\(name) PPCC")
            XCTAssertEqual(result.count, x.count)
        }
    }

    func testNormalScoresLookNormalAndStatisticsIgnoreOrderAndScale() throws {
        let scores = (1...25).map { Normal.quantile((Double($0) - 0.5) / 25) }
        let a = try XCTUnwrap(ResidualNormality(scores))
        XCTAssertEqual(a.shapiroWilkW, 0.9986558181287556, accuracy: 1e-6)
        XCTAssertGreaterThan(a.shapiroWilkP, 0.99)
        let shuffled = try XCTUnwrap(ResidualNormality(scores.reversed().map { 3 * $0 - 7 }))
        XCTAssertEqual(shuffled.shapiroWilkW, a.shapiroWilkW, accuracy: 1e-12)
        XCTAssertEqual(shuffled.ppcc, a.ppcc, accuracy: 1e-12)
    }

    func testUndefinedCasesGiveNone() {
        XCTAssertNil(ResidualNormality([1, 2]))
        XCTAssertNil(ResidualNormality([0.5, 0.5, 0.5, 0.5]))
    }
}
