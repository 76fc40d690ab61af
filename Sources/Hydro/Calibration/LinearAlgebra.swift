import Foundation

/// A small dense matrix (row-major) for the calibration's normal equations, covariances and eigenvalues.
/// Sized for tens of parameters, not for the reach network.
public struct DenseMatrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        values = Array(repeating: value, count: rows * columns)
    }

    /// A matrix from its rows (all of the same length).
    public init(_ rowValues: [[Double]]) {
        rows = rowValues.count
        columns = rowValues.first?.count ?? 0
        values = rowValues.flatMap { $0 }
    }

    public static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public subscript(_ i: Int, _ j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    public var diagonal: [Double] { (0..<min(rows, columns)).map { self[$0, $0] } }

    public var transposed: DenseMatrix {
        var t = DenseMatrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    public static func * (a: DenseMatrix, b: DenseMatrix) -> DenseMatrix {
        precondition(a.columns == b.rows, "matrix product of \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns)")
        var c = DenseMatrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for k in 0..<a.columns {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<b.columns { c[i, j] += aik * b[k, j] }
            }
        }
        return c
    }

    public func multiplied(by x: [Double]) -> [Double] {
        precondition(x.count == columns)
        return (0..<rows).map { i in (0..<columns).reduce(0) { $0 + self[i, $1] * x[$1] } }
    }

    /// AᵀA for this matrix A (the Gauss–Newton normal matrix of a Jacobian).
    public var gram: DenseMatrix {
        var g = DenseMatrix(rows: columns, columns: columns)
        for r in 0..<rows {
            let base = r * columns
            for i in 0..<columns {
                let ai = values[base + i]
                if ai == 0 { continue }
                for j in i..<columns { g.values[i * columns + j] += ai * values[base + j] }
            }
        }
        for i in 0..<columns { for j in 0..<i { g[i, j] = g[j, i] } }
        return g
    }

    /// Aᵀv.
    public func transposeMultiplied(by v: [Double]) -> [Double] {
        precondition(v.count == rows)
        var out = [Double](repeating: 0, count: columns)
        for r in 0..<rows where v[r] != 0 {
            let base = r * columns
            for j in 0..<columns { out[j] += values[base + j] * v[r] }
        }
        return out
    }
}

/// Cholesky factorisation and the symmetric eigenproblem for small symmetric matrices.
public enum LinearAlgebra {
    /// The lower-triangular L with LLᵀ = A, or nil when A is not (numerically) positive definite.
    /// - Complexity: O(n³).
    public static func cholesky(_ a: DenseMatrix) -> DenseMatrix? {
        precondition(a.rows == a.columns)
        let n = a.rows
        var l = DenseMatrix(rows: n, columns: n)
        for j in 0..<n {
            var d = a[j, j]
            for k in 0..<j { d -= l[j, k] * l[j, k] }
            // A pivot lost to rounding against the matrix's own scale is not positive definite.
            guard d > 1e-300, d > abs(a[j, j]) * 1e-15 else { return nil }
            let ljj = d.squareRoot()
            l[j, j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = a[i, j]
                for k in 0..<j { s -= l[i, k] * l[j, k] }
                l[i, j] = s / ljj
            }
        }
        return l
    }

    /// Solves LLᵀx = b given the Cholesky factor L.
    public static func solve(cholesky l: DenseMatrix, _ b: [Double]) -> [Double] {
        let n = l.rows
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i, k] * y[k] }
            y[i] = s / l[i, i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(n, i + 1) { s -= l[k, i] * y[k] }
            y[i] = s / l[i, i]
        }
        return y
    }

    /// A⁻¹ of a symmetric positive-definite matrix, or nil when it is not positive definite.
    public static func inverseSPD(_ a: DenseMatrix) -> DenseMatrix? {
        guard let l = cholesky(a) else { return nil }
        let n = a.rows
        var inv = DenseMatrix(rows: n, columns: n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let col = solve(cholesky: l, e)
            for i in 0..<n { inv[i, j] = col[i] }
        }
        for i in 0..<n { for j in 0..<i { let m = 0.5 * (inv[i, j] + inv[j, i]); inv[i, j] = m; inv[j, i] = m } }
        return inv
    }

    /// Eigenvalues (ascending) and unit eigenvectors (columns, in the same order) of a symmetric matrix,
    /// by the cyclic Jacobi method (Golub & Van Loan, Matrix Computations, 4th ed., §8.5), sweeping until
    /// the off-diagonal part is below 1e-15 of the matrix's norm.
    /// - Complexity: O(n³) a sweep, a handful of sweeps.
    public static func symmetricEigen(_ a: DenseMatrix) -> (values: [Double], vectors: DenseMatrix) {
        precondition(a.rows == a.columns)
        let n = a.rows
        var m = a
        var v = DenseMatrix.identity(n)
        let norm = m.values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += m[i, j] * m[i, j] } }
            if off.squareRoot() <= 1e-15 * max(norm, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where m[p, q] != 0 {
                    let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let mkp = m[k, p], mkq = m[k, q]
                        m[k, p] = c * mkp - s * mkq
                        m[k, q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p, k], mqk = m[q, k]
                        m[p, k] = c * mpk - s * mqk
                        m[q, k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k, p], vkq = v[k, q]
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0, $0] < m[$1, $1] }
        var vectors = DenseMatrix(rows: n, columns: n)
        for (newColumn, old) in order.enumerated() { for k in 0..<n { vectors[k, newColumn] = v[k, old] } }
        return (order.map { m[$0, $0] }, vectors)
    }
}
