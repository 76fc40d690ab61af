import Foundation

/// Draws the basin map for the report: a hillshade PNG with SVG layers for jurisdiction borders,
/// streams (width by load), sections and border crossings, all in the DEM's own coordinates.
struct MapRenderer {
    let run: ProjectRun
    let geometry: GridGeometry
    let width: Int
    let height: Int
    let backgroundPNG: String?
    let borders: String
    /// Unit names and centres for the map labels (county level).
    let unitLabels: [(name: String, centre: Coordinate)]
    /// The county map, for centres at other levels.
    let units: JurisdictionMap?

    init(run: ProjectRun, dem: Grid<Float>) throws {
        self.run = run
        geometry = dem.geometry
        let scale = 960.0 / Double(dem.width)  // maps are drawn 960 px wide whatever the grid
        width = max(1, Int(Double(dem.width) * scale))
        height = max(1, Int(Double(dem.height) * scale))
        // Hillshade, resampled to the image size, tinted pale green.
        let shade = try Hillshade.compute(dem)
        var r = [UInt8](repeating: 255, count: width * height), g = r, b = r
        for y in 0..<height {
            for x in 0..<width {
                let c = min(dem.width - 1, Int(Double(x) / scale)), row = min(dem.height - 1, Int(Double(y) / scale))
                let i = row * dem.width + c
                guard dem.isValid(at: i) else { continue }
                let v = Double(shade[i]) / 255
                r[y * width + x] = UInt8(150 + 100 * v)
                g[y * width + x] = UInt8(160 + 95 * v)
                b[y * width + x] = UInt8(140 + 90 * v)
            }
        }
        backgroundPNG = try? PNGEncoder.encode(red: r, green: g, blue: b, width: width, height: height).base64EncodedString()
        var borderPaths = ""
        var labels: [(name: String, centre: Coordinate)] = []
        let map = try run.jurisdictionMap()
        if let map {
            let grid = Grid(geometry: geometry, trustedCells: map.labels.map { $0 + 1 }, nodata: 0)
            for (_, polygon) in try Polygonizer.polygons(grid).sorted(by: { $0.key < $1.key }) {
                for rings in polygon.polygonParts {
                    for ring in rings { borderPaths += "<path d=\"" + Self.path(ring, geometry, width, height) + "Z\"/>" }
                }
            }
            labels = zip(map.units, map.centres()).compactMap { unit, centre in centre.map { (unit.name, $0) } }
        }
        borders = borderPaths
        unitLabels = labels
        units = map
    }

    static func pixel(_ p: Coordinate, _ geometry: GridGeometry, _ width: Int, _ height: Int) -> (Double, Double) {
        let (c, r) = geometry.transform.cell(x: p.x, y: p.y)
        return (c / Double(geometry.width) * Double(width), r / Double(geometry.height) * Double(height))
    }

    static func path(_ points: [Coordinate], _ geometry: GridGeometry, _ width: Int, _ height: Int) -> String {
        points.enumerated().map { i, p in
            let (x, y) = pixel(p, geometry, width, height)
            return "\(i == 0 ? "M" : "L")\(String(format: "%.1f", x)) \(String(format: "%.1f", y))"
        }.joined(separator: " ")
    }

    func svg(pollutant: String?) throws -> String {
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"basin map\">"
        if let png = backgroundPNG {
            s += "<image href=\"data:image/png;base64,\(png)\" x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\"/>"
        }
        s += "<g fill=\"none\" stroke=\"#555\" stroke-width=\"0.8\" stroke-dasharray=\"3 2\">\(borders)</g>"
        // Streams: width by the load leaving each link (or by upstream area without loads).
        let network = try run.network()
        let links = pollutant == nil ? [] : try run.loadsResult().links
        let valueOf: (StreamLink) -> Double = { link in
            if let pollutant, Int(link.id) - 1 < links.count, let v = links[Int(link.id) - 1].loadsKgPerYr[pollutant] { return v.isFinite ? v : 0 }
            return link.upstreamArea
        }
        let maxValue = max(network.links.map(valueOf).max() ?? 1, 1e-12)
        s += "<g fill=\"none\" stroke=\"#1565c0\" stroke-linecap=\"round\" stroke-linejoin=\"round\">"
        for link in network.links {
            let v = valueOf(link)
            let w = 0.6 + 7 * (v / maxValue).squareRoot()
            s += "<path d=\"\(Self.path(network.line(of: link), geometry, width, height))\" stroke-width=\"\(String(format: "%.2f", w))\"><title>link \(link.id): \(HTML.number(v)) \(pollutant == nil ? "km²" : "kg/yr")</title></path>"
        }
        s += "</g>"
        // Unit names.
        s += "<g font-size=\"11\" fill=\"#333\" text-anchor=\"middle\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"3\">"
        for (name, centre) in unitLabels {
            let (x, y) = Self.pixel(centre, geometry, width, height)
            s += "<text x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\">\(HTML.escape(name))</text>"
        }
        s += "</g>"
        // Border crossings.
        if let crossings = try run.attributionResult()?.crossings {
            s += "<g fill=\"#ff8f00\" stroke=\"#5d4037\" stroke-width=\"0.8\">"
            for crossing in crossings {
                let (x, y) = Self.pixel(Coordinate(crossing.x, crossing.y), geometry, width, height)
                s += "<path d=\"M\(String(format: "%.1f", x)) \(String(format: "%.1f", y - 5)) l4.5 8 h-9 z\"><title>\(HTML.escape(crossing.fromName)) → \(HTML.escape(crossing.toName))</title></path>"
            }
            s += "</g>"
        }
        // Sections.
        s += "<g font-size=\"12\" font-weight=\"bold\">"
        for section in try run.sections() {
            guard let p = section.placed else { continue }
            let (x, y) = Self.pixel(p, geometry, width, height)
            s += "<circle cx=\"\(String(format: "%.1f", x))\" cy=\"\(String(format: "%.1f", y))\" r=\"5\" fill=\"#c62828\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
            s += "<text x=\"\(String(format: "%.1f", x + 7))\" y=\"\(String(format: "%.1f", y - 6))\" fill=\"#b71c1c\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"3\">\(HTML.escape(section.id))<title>\(HTML.escape(section.name))</title></text>"
        }
        s += "</g></svg>"
        return s
    }

    /// Centre of every unit at a level, keyed by unit ID.
    func centres(level: String) -> [String: Coordinate] {
        guard units != nil, let l = JurisdictionMap.Level(rawValue: level), let map = try? run.jurisdictionMap(at: l) else { return [:] }
        var result: [String: Coordinate] = [:]
        for (unit, centre) in zip(map.units, map.centres()) { if let centre { result[unit.id] = centre } }
        return result
    }

    /// The flux graph drawn over the unit centres (rows of flux.csv at one level): arrows with width by load.
    func fluxDiagram(_ flux: [UnitFlux]) throws -> String {
        guard let level = flux.first?.level else { return "" }
        let centresByID = centres(level: level)
        let maxLoad = max(flux.map(\.loadKgPerYr).max() ?? 1, 1e-12)
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"flux graph\">"
        s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#6a1b9a\"/></marker></defs>"
        s += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#fafafa\"/><g fill=\"none\" stroke=\"#bbb\" stroke-width=\"0.8\">\(borders)</g>"
        var drawn = Set<String>()
        for row in flux {
            guard let a = centresByID[row.fromId], let b = centresByID[row.toId], drawn.insert(row.fromId + "→" + row.toId).inserted else { continue }
            let (x1, y1) = Self.pixel(a, geometry, width, height)
            let (x2, y2) = Self.pixel(b, geometry, width, height)
            let w = 1 + 8 * (row.loadKgPerYr / maxLoad).squareRoot()
            s += "<line x1=\"\(String(format: "%.1f", x1))\" y1=\"\(String(format: "%.1f", y1))\" x2=\"\(String(format: "%.1f", x2))\" y2=\"\(String(format: "%.1f", y2))\" stroke=\"#6a1b9a\" stroke-opacity=\"0.7\" stroke-width=\"\(String(format: "%.1f", w))\" marker-end=\"url(#arrow)\"><title>\(HTML.escape(row.fromName)) → \(HTML.escape(row.toName)): \(HTML.number(row.loadKgPerYr)) kg/yr \(HTML.escape(row.pollutant))</title></line>"
        }
        s += "<g font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">"
        var names: [String: String] = [:]
        for row in flux { names[row.fromId] = row.fromName; names[row.toId] = row.toName }
        for (id, c) in centresByID.sorted(by: { $0.key < $1.key }) where names[id] != nil {
            let name = names[id] ?? id
            let (x, y) = Self.pixel(c, geometry, width, height)
            s += "<text x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", y))\">\(HTML.escape(name))</text>"
        }
        return s + "</g></svg>"
    }
}
