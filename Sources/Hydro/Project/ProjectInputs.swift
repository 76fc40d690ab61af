import Foundation

/// Turns the project's input files into the model's plain inputs: sources, reservoirs, links.
enum ProjectInputs {
    /// Karst conduits and diversions: each line runs from its first vertex (swallow hole, intake)
    /// to its last (spring, outfall).
    static func links(_ config: ProjectConfig, geometry: GridGeometry, run: ProjectRun) throws -> [FlowLink] {
        var links: [FlowLink] = []
        for input in config.links {
            let layer = try VectorReader.read(input.file, targetCRS: geometry.crs)
            if let f = input.nameField { try layer.requireField(f, source: input.file) }
            if let f = input.shareField { try layer.requireField(f, source: input.file) }
            for (index, feature) in layer.features.enumerated() {
                let name = input.nameField.flatMap { feature[$0].stringValue } ?? "\((input.file as NSString).lastPathComponent) #\(index + 1)"
                guard let line = feature.geometry?.lineParts.first, let first = line.first, let last = line.last else {
                    throw HydroError(.invalidInput, input.file, "feature \(index + 1) ('\(name)') is not a line")
                }
                guard let a = geometry.cell(x: first.x, y: first.y), let b = geometry.cell(x: last.x, y: last.y) else {
                    throw HydroError(.invalidInput, input.file, "link '\(name)' has an end outside the DEM")
                }
                var share = input.share
                if let f = input.shareField {
                    guard let s = feature[f].doubleValue else { throw HydroError(.invalidInput, input.file, "link '\(name)' has no number in field '\(f)'") }
                    share = s
                }
                links.append(FlowLink(name: name, from: geometry.index(column: a.column, row: a.row),
                                      to: geometry.index(column: b.column, row: b.row), share: share))
            }
        }
        return links
    }

    /// Reservoirs: a point is placed on the highest-accumulation cell within two cells; a polygon on
    /// the highest-accumulation cell inside it (its outlet).
    static func reservoirs(_ config: ProjectConfig, graph: FlowGraph, network: StreamNetwork, run: ProjectRun) throws -> [Reservoir] {
        let geometry = graph.geometry
        var reservoirs: [Reservoir] = []
        guard !config.reservoirs.isEmpty else { return [] }
        let area = try run.upstream().values.cells
        let areaGrid = Grid(geometry: geometry, trustedCells: area, nodata: .nan)
        let metrics = try CellMetrics(geometry)
        let twoCells = 2 * max(metrics.width.max() ?? 1, metrics.height.max() ?? 1)
        for input in config.reservoirs {
            let layer = try VectorReader.read(input.file, targetCRS: geometry.crs)
            if let f = input.nameField { try layer.requireField(f, source: input.file) }
            for (index, feature) in layer.features.enumerated() {
                let name = input.nameField.flatMap { feature[$0].stringValue } ?? "reservoir \(index + 1)"
                var cell: Int?
                if let p = feature.geometry?.points.first {
                    cell = try Snapping.snap(p, geometry: geometry, accumulation: areaGrid, mode: .highestAccumulation(radius: twoCells))?.cell
                } else if let parts = feature.geometry?.polygonParts, !parts.isEmpty {
                    let inside = try PolygonRasterizer.label([parts], on: geometry).labels
                    cell = (0..<inside.count).filter { inside[$0] == 0 && !area[$0].isNaN }.max { area[$0] < area[$1] }
                    // A polygon smaller than a cell holds no cell centre: take the cell under its centroid.
                    if cell == nil, let c = LayerOffset.centroid(parts), let at = geometry.cell(x: c.x, y: c.y),
                       !area[geometry.index(column: at.column, row: at.row)].isNaN {
                        cell = geometry.index(column: at.column, row: at.row)
                    }
                }
                guard let cell else {
                    throw HydroError(.invalidInput, input.file, "reservoir '\(name)' lies outside the DEM")
                }
                reservoirs.append(Reservoir(name: name, cell: cell, retention: input.retention))
            }
        }
        return reservoirs
    }

    /// Point and diffuse sources on the grid, kg/yr per cell. Everything that reads files or can fail
    /// happens here (placing point sources, reading land use and load rasters, their warnings); each
    /// pollutant's grid is then made when a step asks for it (`PollutantGrids`), the most recent one
    /// kept in `cache` so that routing and the step asking for it share one copy.
    /// `onlyClass`: of land use, the cells of that class only (a calibration's source class; its warnings are the whole entry's).
    static func sources(_ config: ProjectConfig, network: StreamNetwork, run: ProjectRun, cache: LastGrid = LastGrid(),
                        onlyClass: Int32? = nil) throws -> LoadSources {
        let geometry = network.geometry
        let metrics = try CellMetrics(geometry)
        var pollutants = Set(config.pollutants)
        var pointLoads: [(pollutant: Pollutant, cell: Int, kgPerYear: Double)] = []
        let channel = network.linkOfCell
        // Snapping to the nearest stream cell only asks whether a cell is valid: the run's upstream
        // area says so (stream cells always have one) without a whole-grid copy of the links.
        let areaGrid = Grid(geometry: geometry, trustedCells: try run.upstream().values.cells, nodata: .nan)
        for input in config.pointSources {
            let layer = try VectorReader.read(input.file, targetCRS: geometry.crs)
            for field in input.fields.values { try layer.requireField(field, source: input.file) }
            if let f = input.idField { try layer.requireField(f, source: input.file) }
            let radius = input.snapRadius ?? 2 * (metrics.width.max() ?? 1000)
            for (index, feature) in layer.features.enumerated() {
                let id = input.idField.flatMap { feature[$0].stringValue } ?? "#\(index + 1)"
                guard let p = feature.geometry?.points.first else {
                    throw HydroError(.invalidInput, input.file, "source \(id) has no point geometry")
                }
                guard geometry.cell(x: p.x, y: p.y) != nil else {
                    throw HydroError(.invalidInput, input.file, "source \(id) lies off the DEM's grid (check its coordinates and CRS)")
                }
                guard let snapped = try Snapping.snap(p, geometry: geometry, accumulation: areaGrid, stream: channel,
                                                      mode: .nearestStream(radius: radius)) else {
                    throw HydroError(.invalidInput, input.file, "source \(id): no stream cell within \(Int(radius)) m (raise snap_radius_m or lower the stream threshold)")
                }
                let at = geometry.centre(column: snapped.cell % geometry.width, row: snapped.cell / geometry.width)
                var row = [(input.file as NSString).lastPathComponent, id, fmt(p.x), fmt(p.y), fmt(at.x), fmt(at.y), String(format: "%.1f", snapped.distance)]
                for (pollutant, field) in input.fields.sorted(by: { $0.key < $1.key }) {
                    row.append("\(pollutant.name)=\(feature[field].doubleValue.map { fmt($0 * input.unit.kilogramsPerYear) } ?? "")")
                }
                run.pointSourceRows.append(row)
                for (pollutant, field) in input.fields.sorted(by: { $0.key < $1.key }) {
                    guard let value = feature[field].doubleValue else {
                        run.warn("\(input.file): source \(id) has no value in '\(field)'; counted as 0")
                        continue
                    }
                    guard value >= 0, value.isFinite, value * input.unit.kilogramsPerYear < 1e18 else {
                        throw HydroError(.invalidInput, input.file, "source \(id) has load \(value) in '\(field)'; loads must be finite and not negative")
                    }
                    pollutants.insert(pollutant)
                    pointLoads.append((pollutant, snapped.cell, value * input.unit.kilogramsPerYear))
                }
            }
        }
        var layers: [DiffuseLayer] = []
        for input in config.diffuse {
            switch input {
            case .exportCoefficients(let landuse, let coefficientsFile):
                let classes = try RasterReader.read(landuse, as: Int32.self, onto: geometry, resampling: .nearest)
                let table = try CSVTable.load(coefficientsFile)
                let classColumn = try table.column("class", "landuse", "code")
                let pollutantColumn = try table.column("pollutant", "parameter")
                let valueColumn = try table.column("kg_ha_yr", "coefficient", "kg/ha/yr", "value")
                var coefficients: [Int32: [Pollutant: Double]] = [:]
                for row in 0..<table.rows.count {
                    guard let c = Int32(table.rows[row][classColumn]) else {
                        throw HydroError(.invalidInput, table.location(row), "class '\(table.rows[row][classColumn])' is not an integer")
                    }
                    let p = try Pollutant(parsing: table.rows[row][pollutantColumn], parameter: table.location(row))
                    let v = try table.number(row, valueColumn)
                    guard v >= 0 else { throw HydroError(.invalidInput, table.location(row), "export coefficient must not be negative") }
                    if let earlier = coefficients[c]?[p] {
                        throw HydroError(.invalidInput, table.location(row), "class \(c) has a \(p.name) coefficient twice (\(earlier) and \(v)); give it once")
                    }
                    coefficients[c, default: [:]][p] = v
                }
                var unknown = Set<Int32>()
                for i in 0..<classes.count where classes.isValid(at: i) && coefficients[classes.cells[i]] == nil { unknown.insert(classes.cells[i]) }
                let named = Set(coefficients.values.flatMap(\.keys))
                pollutants.formUnion(named)
                var rates = Dictionary(uniqueKeysWithValues: named.map { p in (p, coefficients.mapValues { $0[p] ?? 0 }) })
                if let only = onlyClass { rates = rates.mapValues { $0.filter { $0.key == only } } }
                layers.append(DiffuseLayer.coefficients(classes, rates: rates))
                if !unknown.isEmpty && onlyClass == nil {
                    run.warn("\(landuse): classes \(unknown.sorted().map(String.init).joined(separator: ", ")) have no export coefficient in \(coefficientsFile); they generate no load")
                }
            case .uniform(let pollutant, let rate):
                pollutants.insert(pollutant)
                layers.append(.uniform(pollutant, rate: rate))
            case .loadRaster(let file, let pollutant, let perHectare):
                let values = try RasterReader.read(file, as: Double.self, onto: geometry, resampling: perHectare ? .average : .sum)
                for i in 0..<values.count where values.isValid(at: i) {
                    let v = values.cells[i]
                    guard v >= 0, v.isFinite else { throw HydroError(.invalidInput, file, "load \(v) at cell \(i % geometry.width),\(i / geometry.width) is negative or not finite") }
                }
                pollutants.insert(pollutant)
                layers.append(.raster(values, pollutant, perHectare: perHectare))
            }
        }
        // Nothing is generated on nodata.
        let codes = network.linkOfCell.isEmpty ? [] : try run.directions().codes
        let n = geometry.cellCount, width = geometry.width
        let hectares = metrics.area.map { $0 / 1e4 }
        let area = metrics.area
        let maker = PollutantGrids.GridMaker { p in
            if let known = cache.grid(p) { return known }
            cache.clear()
            // The additions in the order they were made when every grid was held: point sources in
            // file order, then each diffuse input in the project's order.
            var values = [Double](repeating: 0, count: n)
            for load in pointLoads where load.pollutant == p { values[load.cell] += load.kgPerYear }
            values.withUnsafeMutableBufferPointer { v in
                for layer in layers {
                    switch layer {
                    case .coefficients(let classes, let rates):
                        guard let rate = rates[p] else { continue }
                        for i in 0..<n {
                            guard classes.isValid(at: i), let r = rate[classes.cells[i]] else { v[i] += 0; continue }
                            v[i] += r * hectares[i / width]
                        }
                    case .classPositions(let positions, let rates):
                        guard let rate = rates[p] else { continue }
                        for i in 0..<n {
                            guard let r = rate[positions[i]] else { v[i] += 0; continue }
                            v[i] += r * hectares[i / width]
                        }
                    case .uniform(let q, let rate):
                        guard q == p else { continue }
                        for row in 0..<geometry.height {
                            let cellArea = area[row]
                            for i in row * width..<(row + 1) * width { v[i] += rate * cellArea / 1e4 }
                        }
                    case .raster(let grid, let q, let perHectare):
                        guard q == p else { continue }
                        for i in 0..<n {
                            guard grid.isValid(at: i) else { v[i] += 0; continue }
                            v[i] += perHectare ? grid.cells[i] * area[i / width] / 1e4 : grid.cells[i]
                        }
                    }
                }
                for i in 0..<min(v.count, codes.count) where codes[i] == D8.noData { v[i] = 0 }
            }
            cache.keep(p, values)
            return values
        }
        var sources = LoadSources(pollutants: Array(pollutants), cellCount: n, maker: maker)
        // A pollutant made of uniform rates, land-use classes (as positions) and point sources only is
        // read cell by cell from them: the maker's additions, in the same order, without its grid.
        if codes.count == n {
            // One set of point-source cells for every pollutant's terms.
            var pointBits = pointLoads.isEmpty ? CellBits.empty : CellBits(count: n)
            for load in pointLoads where load.cell >= 0 && load.cell < n { pointBits.insert(load.cell) }
            for p in sources.pollutants {
                var terms: [CellLoads.Terms.Term] = []
                var compact = true
                for layer in layers {
                    switch layer {
                    case .coefficients(_, let r): if r[p] != nil { compact = false }
                    case .classPositions(let positions, let r): if let rate = r[p] { terms.append(.classes(positions: positions, rates: rate, hectares: hectares)) }
                    case .raster(_, let q, _): if q == p { compact = false }
                    case .uniform(let q, let rate): if q == p { terms.append(.rows(area.map { rate * $0 / 1e4 })) }
                    }
                }
                guard compact else { continue }
                let points = pointLoads.filter { $0.pollutant == p }.map { (cell: $0.cell, kgPerYear: $0.kgPerYear) }
                sources.compactLoads[p] = CellLoads(terms: CellLoads.Terms(terms: terms, width: width, codes: codes, pointLoads: points,
                                                                                pointBits: pointBits))
            }
        }
        return sources
    }

    /// The land-use classes of an export-coefficient entry that generate a load: present in the raster
    /// and with a positive coefficient for some pollutant, in ascending order.
    static func landuseClasses(_ input: ProjectConfig.DiffuseInput, geometry: GridGeometry) throws -> [Int32] {
        guard case .exportCoefficients(let landuse, let coefficientsFile) = input else { return [] }
        let classes = try RasterReader.read(landuse, as: Int32.self, onto: geometry, resampling: .nearest)
        let table = try CSVTable.load(coefficientsFile)
        let classColumn = try table.column("class", "landuse", "code")
        let valueColumn = try table.column("kg_ha_yr", "coefficient", "kg/ha/yr", "value")
        var loaded = Set<Int32>()
        for row in 0..<table.rows.count {
            guard let c = Int32(table.rows[row][classColumn]) else {
                throw HydroError(.invalidInput, table.location(row), "class '\(table.rows[row][classColumn])' is not an integer")
            }
            if try table.number(row, valueColumn) > 0 { loaded.insert(c) }
        }
        var present = Set<Int32>()
        for i in 0..<classes.count where classes.isValid(at: i) && loaded.contains(classes.cells[i]) { present.insert(classes.cells[i]) }
        return present.sorted()
    }

    /// A diffuse input, read and checked, from which a pollutant's generated load is made.
    enum DiffuseLayer {
        /// Land-use classes and, per pollutant, the export coefficient of each class (kg/ha/yr).
        case coefficients(classes: Grid<Int32>, rates: [Pollutant: [Int32: Double]])
        /// The same, each cell holding its class's position in a table (`ClassPositions`: one byte a
        /// cell rather than 4, kept for the whole run): per pollutant, the coefficient at each position, nil at position 0
        /// (nodata) and for classes without one.
        case classPositions(ClassPositions, rates: [Pollutant: [Double?]])
        case uniform(Pollutant, rate: Double)
        case raster(Grid<Double>, Pollutant, perHectare: Bool)

        /// Land use as class positions (`ClassPositions`) when its classes are fewer than 65,535
        /// (any real land-use map), as read otherwise.
        static func coefficients(_ classes: Grid<Int32>, rates: [Pollutant: [Int32: Double]]) -> DiffuseLayer {
            var position: [Int32: Int] = [:]
            var codes: [Int32] = []
            var positions = ClassPositions(count: classes.count)
            var last: (code: Int32, position: Int)?
            for i in 0..<classes.count where classes.isValid(at: i) {
                let code = classes.cells[i]
                if let last, last.code == code { positions[i] = last.position; continue }
                if let k = position[code] { positions[i] = k; last = (code, k); continue }
                guard codes.count < Int(UInt16.max) - 1 else { return .coefficients(classes: classes, rates: rates) }
                codes.append(code)
                let k = codes.count
                position[code] = k
                positions[i] = k
                last = (code, k)
            }
            let table = rates.mapValues { rate in [nil] + codes.map { rate[$0] } }
            return .classPositions(positions, rates: table)
        }
    }
}

/// The pollutant grid made last, kept until the next is asked for (or the run lets it go), so that
/// a step and the routing it starts read one copy of it.
final class LastGrid: @unchecked Sendable {
    private var last: (pollutant: Pollutant, values: [Double])?

    func grid(_ p: Pollutant) -> [Double]? { last?.pollutant == p ? last?.values : nil }
    func keep(_ p: Pollutant, _ values: [Double]) { last = (p, values) }
    func clear() { last = nil }
}
