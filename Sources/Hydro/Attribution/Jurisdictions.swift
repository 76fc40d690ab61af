/// Administrative units on the grid: which unit each cell lies in, at one level.
public struct JurisdictionMap: Sendable {
    public struct Unit: Sendable, Equatable {
        public var id: String
        public var name: String
    }

    public enum Level: String, Sendable, CaseIterable {
        case county, prefecture, province
    }

    public var level: Level
    public var units: [Unit]
    /// Per cell: index into `units`, or -1 outside every polygon.
    public var labels: CellLabels
    public var geometry: GridGeometry
    /// Overlapping polygons found while rasterising: (unit, unit, cells).
    public var overlaps: [(String, String, Int)]

    public init(level: Level, units: [Unit], labels: CellLabels, geometry: GridGeometry, overlaps: [(String, String, Int)] = []) {
        self.level = level
        self.units = units
        self.labels = labels
        self.geometry = geometry
        self.overlaps = overlaps
    }

    /// From Int32 labels (−1 outside every unit), as a caller that made them cell by cell has them.
    public init(level: Level, units: [Unit], labels: [Int32], geometry: GridGeometry) throws {
        guard units.count <= CellLabels.maximumCount else {
            throw HydroError(.invalidInput, "jurisdictions", "\(units.count) units; at most \(CellLabels.maximumCount) can label one grid")
        }
        self.init(level: level, units: units, labels: try CellLabels(labels), geometry: geometry)
    }

    /// Rasterises polygons (already in the grid's CRS): a cell belongs to the polygon containing its centre.
    public init(polygons: [(unit: Unit, parts: [[[Coordinate]]])], geometry: GridGeometry, level: Level = .county) throws {
        var seen: [String: Int] = [:]
        for (k, p) in polygons.enumerated() {
            if let earlier = seen[p.unit.id] {
                throw HydroError(.invalidInput, "jurisdictions", "features \(earlier + 1) and \(k + 1) share the ID '\(p.unit.id)'")
            }
            seen[p.unit.id] = k
        }
        let result = try PolygonRasterizer.label(polygons.map(\.parts), on: geometry)
        self.init(level: level, units: polygons.map(\.unit), labels: result.labels, geometry: geometry,
                  overlaps: result.overlaps.map { (polygons[$0.0].unit.id, polygons[$0.1].unit.id, $0.2) })
    }

    /// The same cells grouped into a coarser level by China's 6-digit division codes: the first two
    /// digits give the province, the first four the prefecture. Units whose ID is not such a code stay as they are.
    public func aggregated(to target: Level) -> JurisdictionMap {
        guard target != level else { return self }
        let (units, mapping) = grouping(to: target)
        return JurisdictionMap(level: target, units: units, labels: labels.mapped(mapping), geometry: geometry)
    }

    /// How this map's units group at a coarser level, without touching the cells: the coarser units
    /// in order of first appearance, and for each unit here the index of its group.
    public func grouping(to target: Level) -> (units: [Unit], mapping: [Int32]) {
        guard target != level else { return (units, units.indices.map(Int32.init)) }
        var groups: [String: Int32] = [:]
        var units: [Unit] = []
        var mapping: [Int32] = []
        for unit in self.units {
            let key = Self.code(unit.id, at: target) ?? unit.id
            if let g = groups[key] { mapping.append(g); continue }
            let g = Int32(units.count)
            groups[key] = g
            units.append(Unit(id: key, name: Self.names[key] ?? (Self.code(unit.id, at: target) == nil ? unit.name : "\(target.rawValue) \(key)")))
            mapping.append(g)
        }
        return (units, mapping)
    }

    static func code(_ id: String, at level: Level) -> String? {
        guard id.count == 6, id.allSatisfy(\.isNumber) else { return nil }
        switch level {
        case .county: return id
        case .prefecture: return String(id.prefix(4)) + "00"
        case .province: return String(id.prefix(2)) + "0000"
        }
    }

    /// Names of the provinces and prefectures around Guizhou, by division code.
    static let names: [String: String] = [
        "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省", "450000": "广西壮族自治区",
        "430000": "湖南省", "420000": "湖北省",
        "520100": "贵阳市", "520200": "六盘水市", "520300": "遵义市", "520400": "安顺市", "520500": "毕节市",
        "520600": "铜仁市", "522300": "黔西南布依族苗族自治州", "522600": "黔东南苗族侗族自治州", "522700": "黔南布依族苗族自治州",
        "510500": "泸州市", "530600": "昭通市", "510100": "成都市", "500100": "重庆市辖区", "500200": "重庆市辖县",
    ]

    /// The mean of each unit's cell centres (nil for a unit with no cell on the grid), in unit order.
    public func centres() -> [Coordinate?] {
        centres(grouping: units.indices.map(Int32.init), groups: units.count)
    }

    /// The centres of the groups of a coarser level (`grouping(to:)`), from this map's labels:
    /// the same figures as `aggregated(to:).centres()` (the same sums in the same order) without
    /// a second map of the cells.
    public func centres(grouping mapping: [Int32], groups: Int) -> [Coordinate?] {
        var sums = [(x: Double, y: Double, n: Double)](repeating: (0, 0, 0), count: groups)
        for (i, label) in labels.enumerated() where label >= 0 {
            let g = Int(mapping[Int(label)])
            let c = geometry.centre(column: i % geometry.width, row: i / geometry.width)
            sums[g].x += c.x
            sums[g].y += c.y
            sums[g].n += 1
        }
        return sums.map { $0.n > 0 ? Coordinate($0.x / $0.n, $0.y / $0.n) : nil }
    }

    /// Cells of each unit, and cells outside all units.
    public func cellCounts() -> (perUnit: [Int], outside: Int) {
        var counts = [Int](repeating: 0, count: units.count)
        var outside = 0
        for l in labels { if l >= 0 { counts[Int(l)] += 1 } else { outside += 1 } }
        return (counts, outside)
    }

    /// Pairs of units that share a border on the grid (4-neighbours), each once, smaller index first.
    public func adjacentPairs() -> [(Int, Int)] {
        var pairs = Set<Int>()
        let w = geometry.width, k = units.count
        for (i, a) in labels.enumerated() where a >= 0 {
            for j in [i % w + 1 < w ? i + 1 : -1, i + w < labels.count ? i + w : -1] where j >= 0 {
                let b = labels[j]
                if b >= 0 && b != a { pairs.insert(Int(min(a, b)) * k + Int(max(a, b))) }
            }
        }
        return pairs.sorted().map { ($0 / k, $0 % k) }
    }
}
