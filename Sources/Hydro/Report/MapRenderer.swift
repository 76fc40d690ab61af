import Foundation

/// Draws the basin map for the report: a hillshade PNG with SVG layers for section catchments,
/// jurisdiction borders (provincial borders heavier than county borders, with labels), streams
/// (width and colour by load class), sections and border crossings, all in the DEM's own
/// coordinates; with a scale bar, a north arrow and a legend band below the map. Labels are kept
/// inside the frame.
struct MapRenderer {
    let run: ProjectRun
    let geometry: GridGeometry
    let width: Int
    let height: Int
    let backgroundPNG: String?
    /// Border paths by level, finest first (county, prefecture, province).
    let borders: [(level: JurisdictionMap.Level, paths: String)]
    /// Unit names and centres for the map labels (county level).
    let unitLabels: [(name: String, centre: Coordinate)]
    /// Province names and centres, drawn larger.
    let provinceLabels: [(name: String, centre: Coordinate)]
    /// The county map, for centres at other levels.
    let units: JurisdictionMap?
    /// Incremental catchment of each section (section ID, outline path).
    let catchments: [(id: String, paths: String)]
    /// Metres on the ground per map pixel, at the map's centre.
    let metresPerPixel: Double


    /// The rivers the maps draw (`DrawnRivers`): the same for every map drawn.
    let drawn: DrawnRivers
    /// The drawn links (positions in the network's links, in link order).
    var drawnLinks: [Int] { drawn.links }
    /// Each drawn link's line as SVG path data, when links are drawn one by one (empty when
    /// `drawsWholeRivers`).
    let linkPaths: [String]
    /// Whether the network is too large to draw link by link: each drawn river is then one line a
    /// load class (a main stem cut by thousands of small confluences into links shorter than a pixel).
    let drawsWholeRivers: Bool
    /// Cells of the drawn links when not every link is drawn: a crossing is drawn on them only.
    let drawnCells: Set<Int>
    let linkCount: Int

    /// What one map's stream lines may cost (`DrawnRivers.cost`): about 5000 links of a few points
    /// each, as many as a map 960 px wide can tell apart (a network of 2×10⁸ cells drawn whole
    /// made a report of 3.4 GB).
    static let streamDrawingBudget = 60_000.0
    /// Points of a stream line closer than this (map pixels) to the last point kept are left out:
    /// at 0.1 px precision a line then moves by under half a pixel.
    static let streamPointSpacing = 0.5

    /// The map's size and its hillshade background, made from the DEM's cells that the map's pixels
    /// sample (no whole-grid shading): small enough to keep once the DEM is let go.
    struct Background: Sendable {
        var width: Int
        var height: Int
        var scale: Double
        var png: String?
        var metresPerPixel: Double

        init(dem: Grid<Float>) throws {
            scale = 960.0 / Double(dem.width)  // maps are drawn 960 px wide whatever the grid
            width = max(1, Int(Double(dem.width) * scale))
            height = max(1, Int(Double(dem.height) * scale))
            // Hillshade at the sampled cells, tinted pale green.
            let light = try Hillshade.Light(dem)
            var r = [UInt8](repeating: 255, count: width * height), g = r, b = r
            for y in 0..<height {
                let row = min(dem.height - 1, Int(Double(y) / scale))
                for x in 0..<width {
                    let c = min(dem.width - 1, Int(Double(x) / scale))
                    let i = row * dem.width + c
                    guard dem.isValid(at: i) else { continue }
                    let v = Double(light.shade(column: c, row: row)) / 255
                    r[y * width + x] = UInt8(150 + 100 * v)
                    g[y * width + x] = UInt8(160 + 95 * v)
                    b[y * width + x] = UInt8(140 + 90 * v)
                }
            }
            png = try? PNGEncoder.encode(red: r, green: g, blue: b, width: width, height: height).base64EncodedString()
            let metrics = try CellMetrics(dem.geometry)
            metresPerPixel = (metrics.width.isEmpty ? abs(dem.geometry.transform.pixelWidth) : metrics.width[metrics.width.count / 2]) / scale
        }
    }

    /// - Parameter drawingBudget: what one map's stream lines may cost (`streamDrawingBudget`).
    init(run: ProjectRun, geometry: GridGeometry, background: Background, drawingBudget: Double = MapRenderer.streamDrawingBudget) throws {
        self.run = run
        self.geometry = geometry
        width = background.width
        height = background.height
        backgroundPNG = background.png
        metresPerPixel = background.metresPerPixel
        // Outlines are traced on the cells the map can show: at most about two per pixel.
        let outlineStep = Self.outlineStep(gridWidth: geometry.width, mapWidth: width)
        var borderLayers: [(JurisdictionMap.Level, String)] = []
        var labels: [(name: String, centre: Coordinate)] = []
        var provinces: [(name: String, centre: Coordinate)] = []
        let map = try run.jurisdictionMap()
        if let map {
            for level in JurisdictionMap.Level.allCases {
                // Coarser levels by grouping the county labels as they are read: no map of their own cells.
                let grouping = map.grouping(to: level)
                // A coarser level that groups nothing draws the same lines again: skip it.
                if level != map.level && grouping.units.count == map.units.count { continue }
                borderLayers.append((level, try Self.outlines(map.labels, grouping: grouping.mapping, geometry, width, height, step: outlineStep)))
                if level == .province && level != map.level {
                    provinces = Self.provinceLabelPoints(counties: map, provinces: grouping)
                }
            }
            // Larger units first, so that when names collide the larger unit keeps its name.
            let counts = map.cellCounts().perUnit
            labels = zip(zip(map.units, map.centres()), counts).sorted { ($0.1, $1.0.0.id) > ($1.1, $0.0.0.id) }
                .compactMap { pair, _ in pair.1.map { (pair.0.name, $0) } }
        }
        borders = borderLayers
        unitLabels = labels
        provinceLabels = provinces
        units = map
        // Section catchments (incremental: the area draining to a section and no section above it).
        let sections = try run.sections()
        let placed = sections.compactMap { s in s.cell.map { (s.id, $0) } }
        var catchmentPaths: [(String, String)] = []
        if !placed.isEmpty {
            let sheds = try Watersheds(graph: try run.graph(), outlets: placed.map(\.1))
            let polygons = try Polygonizer.polygons(Self.sampled(sheds.incrementalLabel, geometry, step: outlineStep))
            for (k, (id, _)) in placed.enumerated() {
                guard let polygon = polygons[Int32(k + 1)] else { continue }
                var d = ""
                for rings in polygon.polygonParts { for ring in rings { d += Self.path(ring, geometry, width, height) + "Z" } }
                catchmentPaths.append((id, d))
            }
        }
        catchments = catchmentPaths
        let network = try run.networkForLinks()
        let (w, h) = (width, height)
        let pixelsPerCell = Double(width) / Double(max(geometry.width, 1))
        let areas = network.links.map(\.upstreamArea)
        let downstream = network.links.map { $0.downstream.map { Int($0) - 1 } }
        let linkByLink = network.links.map { DrawnRivers.cost(cells: $0.cells.count, pixelsPerCell: pixelsPerCell, spacing: Self.streamPointSpacing) }
        drawsWholeRivers = linkByLink.reduce(0, +) > drawingBudget
        let drawn = drawsWholeRivers
            ? DrawnRivers.select(upstreamAreas: areas, downstream: downstream,
                                 costs: network.links.map { DrawnRivers.costInRiver(cells: $0.cells.count, pixelsPerCell: pixelsPerCell, spacing: Self.streamPointSpacing) },
                                 riverCost: DrawnRivers.riverMarkupCost, budget: drawingBudget)
            : DrawnRivers.select(upstreamAreas: areas, downstream: downstream, costs: linkByLink, budget: drawingBudget)
        self.drawn = drawn
        linkCount = network.links.count
        drawnCells = drawn.smallestMouthArea == nil ? [] : Set(drawn.links.flatMap { network.links[$0].cells.map { Int($0) } })
        linkPaths = drawsWholeRivers ? [] : drawn.links.map { Self.path(network.line(of: network.links[$0]), geometry, w, h, spacing: Self.streamPointSpacing) }
    }

    /// Where to write each province's name: in its largest county, below that county's name. (The
    /// mean of a province's cells can fall outside it when the province has separate parts.)
    /// `provinces`: the counties' grouping into provinces (`JurisdictionMap.grouping(to:)`).
    static func provinceLabelPoints(counties: JurisdictionMap, provinces: (units: [JurisdictionMap.Unit], mapping: [Int32]))
        -> [(name: String, centre: Coordinate)]
    {
        let counts = counties.cellCounts().perUnit
        let centres = counties.centres()
        var best: [Int: Int] = [:]  // province → county with most cells
        // Every county with a cell lies in its group (the province of each of its cells).
        var provinceOf = [Int](repeating: -1, count: counties.units.count)
        for (county, n) in counts.enumerated() where n > 0 { provinceOf[county] = Int(provinces.mapping[county]) }
        for (county, p) in provinceOf.enumerated() where p >= 0 {
            if let b = best[p], counts[b] >= counts[county] { continue }
            best[p] = county
        }
        return best.keys.sorted().compactMap { p in
            guard let county = best[p], let centre = centres[county] else { return nil }
            return (provinces.units[p].name, centre)
        }
    }

    /// Every how many cells a map `mapWidth` pixels wide samples a grid's labels for tracing outlines:
    /// 1 (every cell) up to two cells a pixel; a larger grid (China 30″, a province at 30 m) is sampled
    /// so that tracing neither holds copies of its labels nor writes paths finer than a pixel.
    static func outlineStep(gridWidth: Int, mapWidth: Int) -> Int { max(1, gridWidth / (2 * max(mapWidth, 1))) }

    /// Labels + 1 (0 where unlabelled), every `step` cells: the cell at the centre of each step × step
    /// block, on the coarser grid's geometry (same origin and extent, cells `step` times larger).
    /// With `grouping`, each label is replaced by its group's (a coarser level's labels without a map of them).
    static func sampled<Labels: RandomAccessCollection<Int32>>(_ labels: Labels, grouping: [Int32]? = nil, _ geometry: GridGeometry,
                                                                step: Int) -> Grid<Int32> where Labels.Index == Int {
        if let grouping {
            // The coarser level's labels at the sampled cells only: a county's group, −1 stays −1.
            let mapped = { (l: Int32) -> Int32 in l < 0 ? -1 : grouping[Int(l)] }
            guard step > 1 else { return Grid(geometry: geometry, trustedCells: labels.map { mapped($0) + 1 }, nodata: 0) }
            return sampledCells(geometry, step: step) { mapped(labels[$0]) + 1 }
        }
        guard step > 1 else { return Grid(geometry: geometry, trustedCells: labels.map { $0 + 1 }, nodata: 0) }
        return sampledCells(geometry, step: step) { labels[$0] + 1 }
    }

    /// `value(cell)` at the centre cell of each step × step block, on the coarser grid's geometry.
    private static func sampledCells(_ geometry: GridGeometry, step: Int, _ value: (Int) -> Int32) -> Grid<Int32> {
        let w = (geometry.width + step - 1) / step, h = (geometry.height + step - 1) / step
        var t = geometry.transform
        t.pixelWidth *= Double(step)
        t.pixelHeight *= Double(step)
        t.rowRotation *= Double(step)
        t.columnRotation *= Double(step)
        var cells = [Int32](repeating: 0, count: w * h)
        for r in 0..<h {
            let row = min(r * step + step / 2, geometry.height - 1)
            for c in 0..<w {
                cells[r * w + c] = value(row * geometry.width + min(c * step + step / 2, geometry.width - 1))
            }
        }
        return Grid(geometry: GridGeometry(width: w, height: h, transform: t, crs: geometry.crs), trustedCells: cells, nodata: 0)
    }

    /// Outlines of every labelled region, as SVG path data.
    static func outlines(_ labels: CellLabels, grouping: [Int32]? = nil, _ geometry: GridGeometry, _ width: Int, _ height: Int,
                         step: Int = 1) throws -> String {
        let grid = sampled(labels, grouping: grouping, geometry, step: step)
        var paths = ""
        for (_, polygon) in try Polygonizer.polygons(grid).sorted(by: { $0.key < $1.key }) {
            for rings in polygon.polygonParts {
                for ring in rings { paths += "<path d=\"" + Self.path(ring, geometry, width, height) + "Z\"/>" }
            }
        }
        return paths
    }

    /// Whether a cell of `cells` touches `point`: a border crossing's point is the midpoint of its two
    /// cells' centres, on the edge or corner they share, so its cells are those around that point. At a
    /// diagonal step the corner's other two cells count too: a crossing on a small stream beside a drawn
    /// river's cell there is drawn (rare, and on the river it lies beside); a link crossing between
    /// distant cells is drawn only where its midpoint falls on a drawn stream.
    static func touches(_ point: Coordinate, _ cells: Set<Int>, _ geometry: GridGeometry) -> Bool {
        let t = geometry.transform
        let fx = (point.x - t.originX) / t.pixelWidth - 0.5, fy = (point.y - t.originY) / t.pixelHeight - 0.5
        guard fx.isFinite, fy.isFinite, fx > -1, fy > -1, fx < Double(geometry.width), fy < Double(geometry.height) else { return false }
        for column in Set([Int((fx + 1e-9).rounded(.down)), Int((fx - 1e-9).rounded(.up))]) where column >= 0 && column < geometry.width {
            for row in Set([Int((fy + 1e-9).rounded(.down)), Int((fy - 1e-9).rounded(.up))]) where row >= 0 && row < geometry.height {
                if cells.contains(row * geometry.width + column) { return true }
            }
        }
        return false
    }

    static func pixel(_ p: Coordinate, _ geometry: GridGeometry, _ width: Int, _ height: Int) -> (Double, Double) {
        let (c, r) = geometry.transform.cell(x: p.x, y: p.y)
        return (c / Double(geometry.width) * Double(width), r / Double(geometry.height) * Double(height))
    }

    /// SVG path data through `points` in map pixels. With `spacing` > 0, a point nearer than `spacing`
    /// pixels to the last point written is left out, the line's last point never.
    static func path(_ points: [Coordinate], _ geometry: GridGeometry, _ width: Int, _ height: Int, spacing: Double = 0) -> String {
        var d = ""
        var last = (x: 0.0, y: 0.0)
        for (i, p) in points.enumerated() {
            let (x, y) = pixel(p, geometry, width, height)
            if i > 0, i < points.count - 1, spacing > 0 {
                let dx = x - last.x, dy = y - last.y
                if dx * dx + dy * dy < spacing * spacing { continue }
            }
            d += (i == 0 ? "M" : " L") + f1(x) + " " + f1(y)
            last = (x, y)
        }
        return d
    }

    /// `String(format: "%.1f", v)`, the same text, without printf for ordinary pixel coordinates:
    /// a value whose tenths lie near a tie, a negative or a large one goes to printf.
    static func f1(_ v: Double) -> String {
        let tenths = v * 10
        guard v.sign == .plus, tenths < 1e9 else { return String(format: "%.1f", v) }
        let down = tenths.rounded(.down)
        guard abs(tenths - down - 0.5) > 1e-6 else { return String(format: "%.1f", v) }
        let n = Int(tenths.rounded())
        return "\(n / 10).\(n % 10)"
    }

    // MARK: labels inside the frame

    /// Approximate width of a label in pixels: CJK characters are square, Latin ones about 0.6 em.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        text.unicodeScalars.reduce(0.0) { sum, u in sum + (u.value >= 0x2E80 ? 1.0 : u.value == 32 ? 0.3 : 0.62) } * fontSize
    }

    /// A text element placed so that the whole label stays inside the `width` × `height` frame:
    /// centred labels slide in from the edges; labels that would run out on the right flip to the left.
    static func label(_ text: String, x: Double, y: Double, fontSize: Double, anchor: String, frame: (Double, Double),
                      attributes: String = "", title: String? = nil) -> String {
        let box = labelBox(text, x: x, y: y, fontSize: fontSize, anchor: anchor, frame: frame)
        let tip = title.map { "<title>\(HTML.escape($0))</title>" } ?? ""
        return "<text x=\"\(f1(box.x))\" y=\"\(f1(box.y + box.h))\" font-size=\"\(f1(fontSize))\" text-anchor=\"start\"\(attributes)>\(HTML.escape(text))\(tip)</text>"
    }

    /// Where `label` puts the text: left, top, width and height (baseline = top + height), inside the frame.
    static func labelBox(_ text: String, x: Double, y: Double, fontSize: Double, anchor: String,
                         frame: (Double, Double)) -> (x: Double, y: Double, w: Double, h: Double) {
        let w = textWidth(text, fontSize: fontSize), margin = 3.0
        var left: Double
        switch anchor {
        case "start": left = x + w > frame.0 - margin ? x - w - 14 : x
        case "end": left = x - w
        default: left = x - w / 2
        }
        left = min(max(left, margin), max(margin, frame.0 - margin - w))
        let baseline = min(max(y, fontSize + margin), frame.1 - margin)
        return (left, baseline - fontSize, w, fontSize)
    }

    /// The box the scale bar occupies (bottom left), so labels keep clear of it.
    var scaleBarBox: (x: Double, y: Double, w: Double, h: Double) { (0, Double(height) - 40, Double(width) / 5 + 90, 40) }

    // MARK: the map

    /// Load classes for streams: upper bounds at nice round numbers (1-2-5) of about 1/100, 1/10,
    /// 1/3 of the largest value, and the largest value.
    static func classes(maximum: Double) -> [Double] {
        guard maximum > 0 else { return [1] }
        func nice(_ v: Double) -> Double {
            let p = pow(10, floor(log10(v)))
            let m = v / p
            return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p
        }
        var bounds = [nice(maximum / 100), nice(maximum / 10), nice(maximum / 3)].filter { $0 < maximum }
        bounds = bounds.reduce(into: [Double]()) { out, b in if out.last != b { out.append(b) } }
        return bounds + [maximum]
    }

    static let classColours = ["#9ecae1", "#4292c6", "#2171b5", "#08519c", "#08306b"]
    static let catchmentColours = Palette.colours

    func svg(pollutant: String?) throws -> String {
        let frame = (Double(width), Double(height))
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"basin map\">"
        if let png = backgroundPNG {
            s += "<image href=\"data:image/png;base64,\(png)\" x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\"/>"
        }
        // Section catchments, tinted.
        for (k, c) in catchments.enumerated() {
            let colour = Self.catchmentColours[k % Self.catchmentColours.count]
            s += "<path d=\"\(c.paths)\" fill=\"\(colour)\" fill-opacity=\"0.16\" stroke=\"\(colour)\" stroke-width=\"1.2\" stroke-opacity=\"0.8\" fill-rule=\"evenodd\"><title>\(HTML.escape(c.id)) catchment</title></path>"
        }
        // Borders: county thin and dashed, prefecture medium, province heavy.
        for (level, paths) in borders {
            switch level {
            case .county: s += "<g fill=\"none\" stroke=\"#666\" stroke-width=\"0.7\" stroke-dasharray=\"3 2\">\(paths)</g>"
            case .prefecture: s += "<g fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"7 3\">\(paths)</g>"
            case .province: s += "<g fill=\"none\" stroke=\"#222\" stroke-width=\"2.6\" stroke-linejoin=\"round\" stroke-opacity=\"0.85\">\(paths)</g>"
            }
        }
        // Streams: width by the load leaving each link (or by upstream area without loads), colour by class.
        let network = try run.networkForLinks()
        let links = pollutant == nil ? [] : try run.loadsResult().links
        let valueOf: (StreamLink) -> Double = { link in
            if let pollutant, Int(link.id) - 1 < links.count, let v = links[Int(link.id) - 1].load(pollutant) { return v.isFinite ? v : 0 }
            return link.upstreamArea
        }
        let maxValue = max(drawnLinks.map { valueOf(network.links[$0]) }.max() ?? 1, 1e-12)
        let bounds = Self.classes(maximum: maxValue)
        func widthFor(_ v: Double) -> Double { 0.6 + 7 * (max(v, 0) / maxValue).squareRoot() }
        func classOf(_ v: Double) -> Int { bounds.firstIndex { v <= $0 } ?? (bounds.count - 1) }
        let unit = pollutant == nil ? "km²" : "t/yr"
        let shown: (Double) -> String = { v in ReportNumber.short(pollutant == nil ? v : v / 1000) }
        s += "<g fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">"
        if drawsWholeRivers {
            // Each river from its source down, one line for each run of links in one load class,
            // drawn at the run's largest value; smaller runs first, so larger ones lie on top.
            var runs: [(d: String, value: Double, title: String)] = []
            for river in drawn.rivers {
                let mouth = network.links[river[0]]
                let values = river.map { valueOf(network.links[$0]) }
                var start = river.count - 1
                while start >= 0 {
                    let cls = classOf(values[start])
                    var end = start
                    while end > 0, classOf(values[end - 1]) == cls { end -= 1 }
                    var points: [Coordinate] = []
                    for k in stride(from: start, through: end, by: -1) {
                        let line = network.line(of: network.links[river[k]])
                        points += points.isEmpty ? line : Array(line.dropFirst())
                    }
                    let low = values[end...start].min() ?? 0, high = values[end...start].max() ?? 0
                    runs.append((Self.path(points, geometry, width, height, spacing: Self.streamPointSpacing), high,
                                 "river to link \(mouth.id): \(shown(low))–\(shown(high)) \(unit)"))
                    start = end - 1
                }
            }
            for run in runs.enumerated().sorted(by: { ($0.element.value, $0.offset) < ($1.element.value, $1.offset) }).map(\.element) {
                let colour = Self.classColours[min(classOf(run.value) + (5 - bounds.count), Self.classColours.count - 1)]
                s += "<path d=\"\(run.d)\" stroke=\"\(colour)\" stroke-width=\"\(String(format: "%.2f", widthFor(run.value)))\"><title>\(run.title)</title></path>"
            }
        } else {
            let values = drawnLinks.map { valueOf(network.links[$0]) }
            for k in values.indices.sorted(by: { values[$0] < values[$1] }) {
                let link = network.links[drawnLinks[k]], v = values[k]
                let colour = Self.classColours[min(classOf(v) + (5 - bounds.count), Self.classColours.count - 1)]
                s += "<path d=\"\(linkPaths[k])\" stroke=\"\(colour)\" stroke-width=\"\(String(format: "%.2f", widthFor(v)))\"><title>link \(link.id): \(shown(v)) \(unit)</title></path>"
            }
        }
        s += "</g>"
        // Unit names (larger units first; a name that would overlap one already placed, the scale
        // bar or the north arrow is left out), then province names larger.
        var taken = [scaleBarBox, (x: Double(width) - 44, y: 0.0, w: 44.0, h: 50.0)]
        func free(_ box: (x: Double, y: Double, w: Double, h: Double)) -> Bool {
            !taken.contains { box.x < $0.x + $0.w && $0.x < box.x + box.w && box.y < $0.y + $0.h && $0.y < box.y + box.h }
        }
        s += "<g fill=\"#333\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"3\">"
        for (name, centre) in unitLabels {
            let (x, y) = Self.pixel(centre, geometry, width, height)
            let box = Self.labelBox(name, x: x, y: y, fontSize: 11, anchor: "middle", frame: frame)
            guard free(box) else { continue }
            taken.append(box)
            s += Self.label(name, x: x, y: y, fontSize: 11, anchor: "middle", frame: frame)
        }
        s += "</g>"
        if !provinceLabels.isEmpty {
            s += "<g fill=\"#111\" font-weight=\"bold\" letter-spacing=\"2\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"4\" opacity=\"0.85\">"
            for (name, centre) in provinceLabels {
                let (x, y) = Self.pixel(centre, geometry, width, height)
                s += Self.label(name, x: x, y: y + 18, fontSize: 16, anchor: "middle", frame: frame)
            }
            s += "</g>"
        }
        // Border crossings.
        if let crossings = try run.attributionResult()?.crossings {
            s += "<g fill=\"#E69F00\" stroke=\"#5d4037\" stroke-width=\"0.8\">"
            // Only those on drawn streams when not every link is drawn.
            for crossing in crossings where drawnCells.isEmpty || Self.touches(Coordinate(crossing.x, crossing.y), drawnCells, geometry) {
                let (x, y) = Self.pixel(Coordinate(crossing.x, crossing.y), geometry, width, height)
                s += "<path d=\"M\(Self.f1(x)) \(Self.f1(y - 5)) l4.5 8 h-9 z\"><title>\(HTML.escape(crossing.fromName)) → \(HTML.escape(crossing.toName))</title></path>"
            }
            s += "</g>"
        }
        // Sections.
        s += "<g font-weight=\"bold\">"
        for section in try run.sections() {
            guard let p = section.placed else { continue }
            let (x, y) = Self.pixel(p, geometry, width, height)
            s += "<circle cx=\"\(Self.f1(x))\" cy=\"\(Self.f1(y))\" r=\"5\" fill=\"#c62828\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
            s += Self.label(section.id, x: x + 7, y: y - 6, fontSize: 12, anchor: "start", frame: frame,
                            attributes: " fill=\"#b71c1c\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"3\"", title: section.name)
        }
        s += "</g>"
        s += scaleBar() + northArrow()
        s += "<rect x=\"0.5\" y=\"0.5\" width=\"\(width - 1)\" height=\"\(height - 1)\" fill=\"none\" stroke=\"#333\"/>"
        s += "</svg>"
        return s + legend(bounds: bounds, widthFor: widthFor, shown: shown, unit: unit, byLoad: pollutant != nil)
    }

    /// A scale bar of a round length (1, 2 or 5 × 10ⁿ km or m) near a fifth of the map's width,
    /// measured at the map's centre (on a geographic grid the scale changes with latitude).
    func scaleBar() -> String {
        guard metresPerPixel > 0, metresPerPixel.isFinite else { return "" }
        let target = metresPerPixel * Double(width) / 5
        let p = pow(10, floor(log10(target)))
        let m = target / p
        let length = (m < 2 ? 1 : m < 5 ? 2 : 5) * p
        let px = length / metresPerPixel
        let text = length >= 1000 ? "\(ReportNumber.short(length / 1000)) km" : "\(ReportNumber.short(length)) m"
        let x = 14.0, y = Double(height) - 16
        var s = "<g font-size=\"11\" fill=\"#222\">"
        s += "<rect x=\"\(Self.f1(x - 6))\" y=\"\(Self.f1(y - 18))\" width=\"\(Self.f1(px + 12 + Self.textWidth(text, fontSize: 11) + 8))\" height=\"28\" fill=\"#fff\" fill-opacity=\"0.8\" rx=\"3\"/>"
        s += "<rect x=\"\(Self.f1(x))\" y=\"\(Self.f1(y - 4))\" width=\"\(Self.f1(px / 2))\" height=\"5\" fill=\"#222\"/>"
        s += "<rect x=\"\(Self.f1(x + px / 2))\" y=\"\(Self.f1(y - 4))\" width=\"\(Self.f1(px / 2))\" height=\"5\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"0.8\"/>"
        s += "<text x=\"\(Self.f1(x))\" y=\"\(Self.f1(y - 7))\">0</text>"
        s += "<text x=\"\(Self.f1(x + px + 4))\" y=\"\(Self.f1(y + 2))\">\(text)</text>"
        return s + "</g>"
    }

    /// A north arrow in the top right corner (the grids are north-up).
    func northArrow() -> String {
        let x = Double(width) - 26, y = 14.0
        return "<g><circle cx=\"\(Self.f1(x))\" cy=\"\(Self.f1(y + 16))\" r=\"15\" fill=\"#fff\" fill-opacity=\"0.8\"/>"
            + "<path d=\"M\(Self.f1(x)) \(Self.f1(y + 4)) l7 22 l-7 -6 l-7 6 z\" fill=\"#222\"/>"
            + "<text x=\"\(Self.f1(x))\" y=\"\(Self.f1(y + 2))\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\" style=\"paint-order:stroke\" stroke=\"#fff\" stroke-width=\"3\">N</text></g>"
    }

    /// The map's legend, as HTML under the map (it stays readable however small the map is drawn):
    /// stream classes by width and colour, border levels, sections, crossings, section catchments.
    func legend(bounds: [Double], widthFor: (Double) -> Double, shown: (Double) -> String, unit: String, byLoad: Bool) -> String {
        func symbol(_ inner: String) -> String {
            "<svg class=\"sym\" viewBox=\"0 -8 28 16\" width=\"28\" height=\"16\">\(inner)</svg>"
        }
        var items: [String] = []
        var lower = 0.0
        for (k, upper) in bounds.enumerated() {
            let colour = Self.classColours[min(k + (5 - bounds.count), Self.classColours.count - 1)]
            let text = k == 0 ? "≤ \(shown(upper))" : "\(shown(lower)) – \(shown(upper))"
            items.append(symbol("<line x1=\"3\" y1=\"0\" x2=\"25\" y2=\"0\" stroke=\"\(colour)\" stroke-width=\"\(String(format: "%.2f", widthFor(upper)))\" stroke-linecap=\"round\"/>") + HTML.escape(text))
            lower = upper
        }
        let title = byLoad ? "河流负荷 Stream load (\(unit))" : "集水面积 Upstream area (\(unit))"
        var s = "<div class=\"maplegend\"><span class=\"lt\">\(HTML.escape(title))</span> " + items.map { "<span class=\"key\">\($0)</span>" }.joined(separator: " ")
        if let area = drawn.smallestMouthArea {
            let area = ReportNumber.short(area), rivers = drawn.riverCount
            s += " <span class=\"keynote\">" + HTML.escape("只绘出河口集水面积 ≥ \(area) km² 的 \(rivers) 条河流(\(drawnLinks.count)/\(linkCount) 条河段)及其上的跨界点") + "</span>"
                + " <span class=\"keynote\">" + HTML.escape("Drawn: the \(rivers) rivers whose mouth drains ≥ \(area) km² (\(drawnLinks.count) of \(linkCount) links), with their border crossings") + "</span>"
        }
        var symbols: [(String, String)] = [
            ("<line x1=\"2\" y1=\"0\" x2=\"26\" y2=\"0\" stroke=\"#222\" stroke-width=\"2.6\"/>", "省界 Provincial border"),
            ("<line x1=\"2\" y1=\"0\" x2=\"26\" y2=\"0\" stroke=\"#666\" stroke-width=\"0.9\" stroke-dasharray=\"3 2\"/>", "县界 County border"),
            ("<circle cx=\"14\" cy=\"0\" r=\"5\" fill=\"#c62828\" stroke=\"#fff\" stroke-width=\"1.5\"/>", "断面 Section"),
            ("<path d=\"M14 -5 l4.5 8 h-9 z\" fill=\"#E69F00\" stroke=\"#5d4037\" stroke-width=\"0.8\"/>", "跨界点 Border crossing"),
        ]
        if borders.contains(where: { $0.level == .prefecture }) {
            symbols.insert(("<line x1=\"2\" y1=\"0\" x2=\"26\" y2=\"0\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"7 3\"/>", "市界 Prefecture border"), at: 1)
        }
        s += "<br/><span class=\"lt\">图例 Legend</span> " + symbols.map { "<span class=\"key\">\(symbol($0.0))\(HTML.escape($0.1))</span>" }.joined(separator: " ")
        if !catchments.isEmpty {
            s += "<br/><span class=\"lt\">断面集水区 Section catchments</span> " + catchments.enumerated().map { k, c in
                let colour = Self.catchmentColours[k % Self.catchmentColours.count]
                return "<span class=\"key\">" + symbol("<rect x=\"3\" y=\"-6\" width=\"22\" height=\"12\" fill=\"\(colour)\" fill-opacity=\"0.25\" stroke=\"\(colour)\"/>") + HTML.escape(c.id) + "</span>"
            }.joined(separator: " ")
        }
        return s + "</div>"
    }

    /// Where to draw each unit of a level, keyed by unit ID: the centre of its cells for counties;
    /// for coarser levels the centre of its largest county, which lies inside it even when the unit
    /// has separate parts.
    func centres(level: String) -> [String: Coordinate] {
        guard let counties = units, let l = JurisdictionMap.Level(rawValue: level) else { return [:] }
        var result: [String: Coordinate] = [:]
        if l == counties.level {
            for (unit, centre) in zip(counties.units, counties.centres()) { if let centre { result[unit.id] = centre } }
            return result
        }
        let grouping = counties.grouping(to: l)
        let names = Dictionary(grouping.units.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        for (name, centre) in Self.provinceLabelPoints(counties: counties, provinces: grouping) { if let id = names[name] { result[id] = centre } }
        return result
    }

    /// The flux graph from the attribution's unit flux at one level.
    func fluxDiagram(_ flux: [UnitFlux]) throws -> String {
        fluxDiagram(pairs: FluxSummary.pairs(flux.map(FluxEdge.init)))
    }

    /// The flux graph drawn over the unit centres: one arrow per pair of units in the direction of
    /// the net flux, its width by the net load (gross flux counts re-crossings; see `FluxPair`).
    func fluxDiagram(pairs: [FluxPair], pollutant: String? = nil) -> String {
        guard let level = pairs.first?.level else { return "" }
        let chosen = pollutant ?? pairs.first?.pollutant
        // Arrows under 0.5 % of the largest net flux would only clutter the graph (the tables list them all).
        let largest = pairs.filter { $0.pollutant == chosen }.map(\.net).max() ?? 0
        let shown = pairs.filter { $0.pollutant == chosen && $0.net > 0 && $0.net >= 0.005 * largest }
        let centresByID = centres(level: level)
        let maxLoad = max(shown.map(\.net).max() ?? 1, 1e-12)
        let frame = (Double(width), Double(height))
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"flux graph\">"
        s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"16\" markerHeight=\"16\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#6a1b9a\"/></marker></defs>"
        s += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#fafafa\"/>"
        for (level, paths) in borders {
            s += "<g fill=\"none\" stroke=\"\(level == .province ? "#777" : "#bbb")\" stroke-width=\"\(level == .province ? "2" : "0.8")\">\(paths)</g>"
        }
        var names: [String: String] = [:]
        for p in shown {
            guard let a = centresByID[p.upstream.id], let b = centresByID[p.downstream.id] else { continue }
            names[p.upstream.id] = p.upstream.name
            names[p.downstream.id] = p.downstream.name
            let (x1, y1) = Self.pixel(a, geometry, width, height)
            var (x2, y2) = Self.pixel(b, geometry, width, height)
            // Stop short of the receiving unit's name.
            let length = ((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)).squareRoot()
            if length > 40 { x2 -= (x2 - x1) / length * 18; y2 -= (y2 - y1) / length * 18 }
            let w = 1.5 + 7 * (p.net / maxLoad).squareRoot()
            s += "<line x1=\"\(Self.f1(x1))\" y1=\"\(Self.f1(y1))\" x2=\"\(Self.f1(x2))\" y2=\"\(Self.f1(y2))\" stroke=\"#6a1b9a\" stroke-opacity=\"0.7\" stroke-width=\"\(Self.f1(w))\" marker-end=\"url(#arrow)\"><title>\(HTML.escape(p.upstream.name)) → \(HTML.escape(p.downstream.name)): net \(ReportNumber.plain(p.net)) kg/yr \(HTML.escape(p.pollutant)) (gross \(ReportNumber.plain(p.grossForward)) / \(ReportNumber.plain(p.grossBack)))</title></line>"
            let mx = (x1 + x2) / 2, my = (y1 + y2) / 2
            if p.net >= 0.05 * maxLoad {
            s += Self.label(ReportNumber.tonnes(p.net) + " t", x: mx, y: my - 6, fontSize: 12, anchor: "middle", frame: frame,
                            attributes: " fill=\"#4a148c\" style=\"paint-order:stroke\" stroke=\"#fafafa\" stroke-width=\"3\"")
            }
        }
        s += "<g fill=\"#222\">"
        for (id, c) in centresByID.sorted(by: { $0.key < $1.key }) where names[id] != nil {
            let (x, y) = Self.pixel(c, geometry, width, height)
            s += Self.label(names[id] ?? id, x: x, y: y + 20, fontSize: 13, anchor: "middle", frame: frame,
                            attributes: " style=\"paint-order:stroke\" stroke=\"#fafafa\" stroke-width=\"3\"")
        }
        return s + "</g></svg>"
    }
}
