/// Checks an elevation grid before conditioning: an infinite elevation would make every volume and
/// slope infinite, and a grid of nothing but nodata has no terrain to route over.
public enum ElevationCheck {
    public static func require(_ dem: Grid<Float>, file: String) throws {
        var valid = 0
        for i in 0..<dem.count where dem.isValid(at: i) {
            let v = dem.cells[i]
            guard v.isFinite else {
                throw HydroError(.invalidInput, file, "elevation at column \(i % dem.width), row \(i / dem.width) is \(v); mark such cells nodata")
            }
            valid += 1
        }
        guard valid > 0 else {
            throw HydroError(.invalidInput, file, "holds no valid elevation: every cell is nodata")
        }
    }
}
