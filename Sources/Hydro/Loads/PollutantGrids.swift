/// Whole-grid values by pollutant (kg/yr per cell): held in memory, or made one pollutant at a time
/// when asked for and not kept.
///
/// A run on a province holds each grid for one pollutant only: the loads step makes a pollutant's
/// generated load, routes it, writes its band and lets both go before the next pollutant; the
/// attribution step asks for them again, one pollutant at a time. Three pollutants held at once
/// would cost 24 bytes a cell for the generated loads and 24 more for the routed ones.
///
/// A grid made on demand is the same, bit for bit, each time it is asked for (the maker is a pure
/// function of the run's inputs), so holding it or making it again gives the same figures.
public struct PollutantGrids: Sendable {
    private var stored: [Pollutant: [Double]]
    /// Pollutants whose grid `maker` makes (those without a stored grid).
    private let made: Set<Pollutant>
    private let maker: GridMaker?

    /// Makes one pollutant's grid; it must give the same values every time for the same pollutant.
    public final class GridMaker: @unchecked Sendable {
        let make: (Pollutant) -> [Double]
        /// `make` is only ever called from one thread at a time per maker (the run's steps are sequential).
        public init(_ make: @escaping (Pollutant) -> [Double]) { self.make = make }
    }

    public init(_ stored: [Pollutant: [Double]] = [:]) {
        self.stored = stored
        made = []
        maker = nil
    }

    /// Grids made on demand for `pollutants`.
    public init(making pollutants: [Pollutant], with maker: GridMaker) {
        stored = [:]
        made = Set(pollutants)
        self.maker = maker
    }

    /// The grid of `p` (made now if it is not held), nil when there is none.
    public subscript(p: Pollutant) -> [Double]? {
        get {
            if let values = stored[p] { return values }
            guard made.contains(p), let maker else { return nil }
            return maker.make(p)
        }
        _modify {
            if stored[p] == nil, made.contains(p), let maker { stored[p] = maker.make(p) }
            yield &stored[p]
        }
    }

    /// Whether `p` has a grid, without making it.
    public func contains(_ p: Pollutant) -> Bool { stored[p] != nil || (maker != nil && made.contains(p)) }

    /// Takes `p`'s grid out to change it in place (made first when it is not held); put it back with the subscript.
    public mutating func removeValue(forKey p: Pollutant) -> [Double]? {
        if let values = stored.removeValue(forKey: p) { return values }
        return self[p]
    }

    /// Whether the grids are made on demand rather than held.
    public var isMadeOnDemand: Bool { maker != nil }
}
