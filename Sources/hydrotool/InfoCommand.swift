import ArgumentParser
import Foundation
import Hydro

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise a raster: size, CRS, cell size in metres, extent, nodata share, value range.",
        discussion: Examples.text([("Summarise the Chishui DEM (cell sizes in metres per row for a geographic grid)", "hydrotool info ../shared/data/guizhou_dem_1km/chishui_basin_dem_1km.tif"), ("The same as JSON, for a script", "hydrotool info --json output/conditioned_dem.tif > dem.json")]))

    @Argument(help: "Any raster GDAL reads.")
    var file: String

    @Flag(help: "Print JSON for machines.")
    var json = false

    func run() throws {
        let summary = try RasterSummary.describe(file)
        if json {
            try printJSON(summary)
            return
        }
        print(render(summary))
    }

    private func render(_ s: RasterSummary) -> String {
        func f(_ v: Double?, _ digits: Int = 3) -> String {
            guard let v else { return "n/a" }
            return String(format: "%.\(digits)f", v)
        }
        var lines = [
            "File:        \(s.path) (\(s.driver))",
            "Size:        \(s.width) x \(s.height) cells, \(s.bands.count) band\(s.bands.count == 1 ? "" : "s")",
            "CRS:         \(s.crsName)\(s.crsAuthority.map { " [\($0)]" } ?? "")\(s.isGeographic ? ", geographic (lon/lat)" : s.crsWKT.isEmpty ? " (no CRS)" : ", projected")",
            "Extent:      x \(f(s.extent.minX, 6)) .. \(f(s.extent.maxX, 6)), y \(f(s.extent.minY, 6)) .. \(f(s.extent.maxY, 6))",
            "Cell size:   \(f(s.cellSize.x, 9)) x \(f(s.cellSize.y, 9)) CRS units",
        ]
        if s.isGeographic {
            lines.append("Cell metres: width \(f(s.cellSize.widthMetresMin, 1))..\(f(s.cellSize.widthMetresMax, 1)) m, height \(f(s.cellSize.heightMetresMin, 1))..\(f(s.cellSize.heightMetresMax, 1)) m (per row, ellipsoidal)")
        } else {
            lines.append("Cell metres: \(f(s.cellSize.widthMetresMin)) x \(f(s.cellSize.heightMetresMin)) m")
        }
        lines.append("Area:        \(f(s.areaSquareKilometres, 1)) km²")
        for b in s.bands {
            lines.append("Band \(b.index):      \(b.dataType), nodata \(b.nodata.map { "\($0)" } ?? "none"), \(f(b.nodataShare * 100, 2)) % nodata, min \(f(b.minimum)), max \(f(b.maximum)), mean \(f(b.mean))\(b.description.isEmpty ? "" : ", \"\(b.description)\"")")
        }
        for (k, v) in s.metadata.sorted(by: { $0.key < $1.key }) where k.hasPrefix("HYDROTOOL") {
            lines.append("\(k): \(v)")
        }
        return lines.joined(separator: "\n")
    }
}
