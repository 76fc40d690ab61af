import Foundation
import XCTest
@testable import Hydro

final class NumericsTests: XCTestCase {
    func testCholeskySolveAndInverse() throws {
        // A = LLᵀ with L = [[2,0,0],[1,3,0],[-1,2,4]].
        let a = DenseMatrix([[4, 2, -2], [2, 10, 5], [-2, 5, 21]])
        let l = try XCTUnwrap(LinearAlgebra.cholesky(a))
        let expected: [Double] = [2, 0, 0, 1, 3, 0, -1, 2, 4]
        for k in 0..<9 { XCTAssertEqual(l.values[k], expected[k], accuracy: 1e-14) }
        // A x = b with x = (1, -2, 3): b = (4-4-6, 2-20+15, -2-10+63).
        let x = LinearAlgebra.solve(cholesky: l, [-6, -3, 51])
        XCTAssertEqual(x[0], 1, accuracy: 1e-13); XCTAssertEqual(x[1], -2, accuracy: 1e-13); XCTAssertEqual(x[2], 3, accuracy: 1e-13)
        let inv = try XCTUnwrap(LinearAlgebra.inverseSPD(a))
        let product = a * inv
        for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(product[i, j], i == j ? 1 : 0, accuracy: 1e-14) } }
        XCTAssertNil(LinearAlgebra.cholesky(DenseMatrix([[1, 2], [2, 4]])), "a singular matrix has no Cholesky factor")
        XCTAssertNil(LinearAlgebra.cholesky(DenseMatrix([[1, 0], [0, -1]])))
    }

    func testJacobiEigenvalues() {
        let two = LinearAlgebra.symmetricEigen(DenseMatrix([[2, 1], [1, 2]]))
        XCTAssertEqual(two.values[0], 1, accuracy: 1e-14)
        XCTAssertEqual(two.values[1], 3, accuracy: 1e-14)
        XCTAssertEqual(abs(two.vectors[0, 1]), 0.5.squareRoot(), accuracy: 1e-14)
        // Tridiagonal [2,-1;-1,2,-1;-1,2]: eigenvalues 2 - √2, 2, 2 + √2.
        let three = LinearAlgebra.symmetricEigen(DenseMatrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]]))
        XCTAssertEqual(three.values[0], 2 - 2.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(three.values[1], 2, accuracy: 1e-14)
        XCTAssertEqual(three.values[2], 2 + 2.0.squareRoot(), accuracy: 1e-14)
        // Each column is an eigenvector: A v = λ v.
        let a = DenseMatrix([[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
        for k in 0..<3 {
            let v = (0..<3).map { three.vectors[$0, k] }
            let av = a.multiplied(by: v)
            for i in 0..<3 { XCTAssertEqual(av[i], three.values[k] * v[i], accuracy: 1e-13) }
        }
    }

    /// Reference values from SciPy 1.17 (scipy.special.betainc, scipy.stats.t.sf).
    func testIncompleteBetaAndStudentT() {
        XCTAssertEqual(StudentT.regularizedIncompleteBeta(2, 3, 0.5), 0.6875, accuracy: 1e-15) // 11/16 by the binomial sum
        XCTAssertEqual(StudentT.regularizedIncompleteBeta(0.5, 5, 0.2), 0.8550723945959195, accuracy: 1e-13)
        XCTAssertEqual(StudentT.regularizedIncompleteBeta(30, 40, 0.45), 0.6447480085585666, accuracy: 1e-13)
        XCTAssertEqual(StudentT.twoSidedPValue(8.16496580927726, degreesOfFreedom: 3), 0.003842724144709933, accuracy: 1e-14)
        XCTAssertEqual(StudentT.twoSidedPValue(2.228138851986, degreesOfFreedom: 10), 0.05, accuracy: 1e-12)
        XCTAssertEqual(StudentT.twoSidedPValue(1.5, degreesOfFreedom: 27.5), 0.1450087444794809, accuracy: 1e-13)
        // One degree of freedom is the Cauchy distribution: P(|T| ≥ 1) = 1/2; two: 1 − t/√(2 + t²).
        XCTAssertEqual(StudentT.twoSidedPValue(1, degreesOfFreedom: 1), 0.5, accuracy: 1e-14)
        XCTAssertEqual(StudentT.twoSidedPValue(-2, degreesOfFreedom: 2), 1 - 2 / 6.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(StudentT.twoSidedPValue(0, degreesOfFreedom: 5), 1, accuracy: 1e-15)
    }

    func testStandardNormalDrawsHaveUnitMoments() {
        var rng = SeededGenerator(seed: 7)
        let draws = (0..<200_000).map { _ in rng.standardNormal() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        XCTAssertEqual(mean, 0, accuracy: 0.01) // 4.5 standard errors
        XCTAssertEqual(variance, 1, accuracy: 0.015)
        XCTAssertEqual(Double(draws.filter { abs($0) < 1.6448536 }.count) / Double(draws.count), 0.9, accuracy: 0.003)
    }
}
