/// Which links a report map draws when the whole network would make the report too large to open
/// (the synthetic province of 2×10⁸ cells has 203,592 links): whole rivers, largest first, within a drawing
/// budget. A river is the chain from an outlet or a tributary's mouth up its largest branch at
/// every confluence (Horton's main stream), ranked by the area its mouth drains. A main stem cut
/// into thousands of short links by small tributaries counts once, so the largest tributaries are
/// drawn beside it; ranking links by their own area spent the whole budget on the main stem.
struct DrawnRivers: Equatable {
    /// Positions in the network's links, ascending.
    var links: [Int]
    /// How many rivers those links make.
    var riverCount: Int
    /// The drawn rivers, largest first, each as its links from the mouth upstream.
    var rivers: [[Int]] = []
    /// The smallest mouth area (km²) of a drawn river when not every link is drawn; nil when all
    /// are. Every stream draining at least this much lies on a drawn river.
    var smallestMouthArea: Double?

    /// - Parameters:
    ///   - upstreamAreas: each link's upstream area at its last cell (km²).
    ///   - downstream: each link's downstream link (a position), nil at an outlet.
    ///   - costs: what drawing each link costs (`cost(cells:pixelsPerCell:spacing:)`).
    ///   - riverCost: what each river costs beyond its links (its line's markup, when drawn whole).
    ///   - budget: the most the drawn rivers may cost; the largest river is drawn whatever its cost.
    static func select(upstreamAreas: [Double], downstream: [Int?], costs: [Double], riverCost: Double = 0, budget: Double) -> DrawnRivers {
        // A NaN area (none is expected) ranks last rather than breaking the ordering.
        let upstreamAreas = upstreamAreas.map { $0.isNaN ? -Double.infinity : $0 }
        let n = upstreamAreas.count
        guard downstream.count == n, costs.count == n else { return DrawnRivers(links: Array(0..<n), riverCount: 0, smallestMouthArea: nil) }
        // The branch each link continues into upstream: its largest upstream link (the first on a tie).
        var mainBranch = [Int](repeating: -1, count: n)
        for i in 0..<n {
            guard let d = downstream[i], d >= 0, d < n, d != i else { continue }
            let m = mainBranch[d]
            if m < 0 || upstreamAreas[i] > upstreamAreas[m] { mainBranch[d] = i }
        }
        // Rivers start where a link is not its downstream link's main branch; each link lies on one.
        var rivers: [(mouth: Int, links: [Int], cost: Double)] = []
        var onRiver = [Bool](repeating: false, count: n)
        for start in 0..<n {
            if let d = downstream[start], d >= 0, d < n, mainBranch[d] == start { continue }
            var chain: [Int] = []
            var cost = riverCost
            var link = start
            while link >= 0, !onRiver[link] {
                onRiver[link] = true
                chain.append(link)
                cost += costs[link]
                link = mainBranch[link]
            }
            rivers.append((start, chain, cost))
        }
        let total = rivers.reduce(0) { $0 + $1.cost }
        rivers.sort { (upstreamAreas[$0.mouth], $1.mouth) > (upstreamAreas[$1.mouth], $0.mouth) }
        guard total > budget else {
            return DrawnRivers(links: Array(0..<n), riverCount: rivers.count, rivers: rivers.map(\.links), smallestMouthArea: nil)
        }
        // Rivers of one mouth area are drawn together or not at all, so the rule is the area.
        var taken = 0, spent = 0.0
        while taken < rivers.count {
            let area = upstreamAreas[rivers[taken].mouth]
            var end = taken
            var groupCost = 0.0
            while end < rivers.count, end == taken || upstreamAreas[rivers[end].mouth] == area { groupCost += rivers[end].cost; end += 1 }
            if taken > 0, spent + groupCost > budget { break }
            spent += groupCost
            taken = end
        }
        let drawn = rivers[..<taken]
        return DrawnRivers(links: drawn.flatMap(\.links).sorted(), riverCount: taken, rivers: drawn.map(\.links),
                           smallestMouthArea: taken == rivers.count ? nil : drawn.last.map { upstreamAreas[$0.mouth] })
    }

    /// What a link of `cells` cells costs to draw, in stream-line points: one element's markup
    /// (about as long as eight points) and its points, which `MapRenderer.path` keeps every
    /// `spacing` pixels (at most one a cell, both ends always).
    static func cost(cells: Int, pixelsPerCell: Double, spacing: Double) -> Double {
        8 + min(Double(cells + 1), 2 + Double(cells) * pixelsPerCell / spacing)
    }

    /// What a link costs inside a river drawn as one line a load class (`MapRenderer`): the points
    /// its cells add to that line, at most one a cell (a link shorter than the spacing adds none).
    static func costInRiver(cells: Int, pixelsPerCell: Double, spacing: Double) -> Double {
        min(Double(cells), Double(cells) * pixelsPerCell / spacing)
    }

    /// What each river drawn as one line a load class costs beyond its points: a few elements' markup.
    static let riverMarkupCost = 24.0
}
