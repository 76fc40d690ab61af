import Foundation

/// The reach quantities of a model whose transport is computed cell by cell (a project's DEM
/// network): the source variables, the pass fractions (frac) and the edge weights, with their
/// derivatives for the cell-level parameters (delivery on raster variables, in-stream decay,
/// reservoir settling). They are aggregated over the incremental catchments once per value of
/// those parameters; the reach pass then costs O(reaches + edges) as for any reach table.
public struct CellLevelTerms: Sendable {
    /// Per source parameter (in the model's order of source parameters), per reach.
    public var sources: [[Double]]
    /// Per cell-level parameter, per source parameter, per reach: ∂ source / ∂ parameter.
    public var sourceDerivatives: [[[Double]]]
    public var frac: [Double]
    /// Per cell-level parameter, per reach.
    public var fracDerivatives: [[Double]]
    /// Per upstream edge, in the reach table's order (`upstreamReach`).
    public var weight: [Double]
    /// Per cell-level parameter, per upstream edge.
    public var weightDerivatives: [[Double]]
    /// Per origin part of the reach table and source parameter, the part's share of the reach's
    /// source variable (part-major, as `SparrowModel.originShares`).
    public var originShares: [Double]

    public init(sources: [[Double]], sourceDerivatives: [[[Double]]], frac: [Double], fracDerivatives: [[Double]], weight: [Double],
                weightDerivatives: [[Double]], originShares: [Double]) {
        self.sources = sources
        self.sourceDerivatives = sourceDerivatives
        self.frac = frac
        self.fracDerivatives = fracDerivatives
        self.weight = weight
        self.weightDerivatives = weightDerivatives
        self.originShares = originShares
    }
}

/// Makes a model's `CellLevelTerms` from the values of its cell-level parameters, keeping the
/// last result: evaluations that change only source coefficients reuse it.
public final class CellLevelModel: @unchecked Sendable {
    /// The model parameters (indices) the terms depend on, in the order `make` receives them.
    public let parameters: [Int]
    private let make: @Sendable ([Double]) -> CellLevelTerms
    private let lock = NSLock()
    private var last: (key: [Double], terms: CellLevelTerms)?
    /// How many times the terms were aggregated (for benchmarks and tests).
    public private(set) var aggregations = 0

    public init(parameters: [Int], make: @escaping @Sendable ([Double]) -> CellLevelTerms) {
        self.parameters = parameters
        self.make = make
    }

    /// The terms at `theta` (all model parameters).
    public func terms(_ theta: [Double]) -> CellLevelTerms {
        let key = parameters.map { theta[$0] }
        lock.lock()
        if let last, last.key == key { lock.unlock(); return last.terms }
        lock.unlock()
        let terms = make(key)
        lock.lock()
        last = (key, terms)
        aggregations += 1
        lock.unlock()
        return terms
    }
}
