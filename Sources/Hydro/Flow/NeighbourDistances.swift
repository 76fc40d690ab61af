/// Distances in metres from a cell to each of its eight neighbours' centres, per row.
///
/// Geographic grids have a different cell width in every row, and the neighbour above or below
/// lies half a row-height away on each side, so each of the 8 distances is computed per row from
/// `CellMetrics` (E/W: the row's width; N/S: the mean of the two rows' heights; diagonals: the
/// hypotenuse of the mean width and height of the two rows).
struct NeighbourDistances {
    /// `distance[row * 8 + k]` for internal direction k.
    let distance: [Double]

    init(_ metrics: CellMetrics) {
        let rows = metrics.width.count
        var d = [Double](repeating: 0, count: rows * 8)
        for r in 0..<rows {
            for k in 0..<8 {
                let other = min(max(r + D8.dy[k], 0), rows - 1)
                let w = (metrics.width[r] + metrics.width[other]) / 2
                let h = (metrics.height[r] + metrics.height[other]) / 2
                switch D8.dy[k] == 0 ? 0 : D8.dx[k] == 0 ? 1 : 2 {
                case 0: d[r * 8 + k] = metrics.width[r]
                case 1: d[r * 8 + k] = h
                default: d[r * 8 + k] = (w * w + h * h).squareRoot()
                }
            }
        }
        distance = d
    }
}
