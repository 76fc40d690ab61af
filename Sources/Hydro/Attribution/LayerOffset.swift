import Foundation

/// Detects a systematic shift between two polygon layers of the same units, the signature of
/// coordinates in China's GCJ-02 system (Amap/Gaode, shifted by roughly 300–600 m) labelled as WGS 84.
public enum LayerOffset {
    public struct Result: Sendable, Equatable {
        public var matched: Int
        /// Median shift of `layer` relative to `reference`, metres east and north.
        public var east: Double
        public var north: Double
        /// Median distance of the individual shifts from the median shift, metres.
        public var spread: Double
        /// Share of units shifted at least half the median shift along its direction.
        public var agreeing: Double
        public var magnitude: Double { (east * east + north * north).squareRoot() }

        /// A shift of 100 m to 2 km that most units share: too regular to be digitising noise
        /// (polygons of different origin differ unit by unit, but not all the same way).
        public var looksSystematic: Bool { matched >= 3 && magnitude >= 100 && magnitude <= 2000 && agreeing >= 0.75 }
    }

    /// Area-weighted centroid of the exterior rings of a (multi)polygon.
    static func centroid(_ parts: [[[Coordinate]]]) -> Coordinate? {
        var a = 0.0, cx = 0.0, cy = 0.0
        for rings in parts {
            guard let ring = rings.first else { continue }
            for (p, q) in zip(ring, ring.dropFirst()) {
                let cross = p.x * q.y - q.x * p.y
                a += cross
                cx += (p.x + q.x) * cross
                cy += (p.y + q.y) * cross
            }
        }
        guard abs(a) > 0 else { return nil }
        return Coordinate(cx / (3 * a), cy / (3 * a))
    }

    /// Compares units matched by ID; coordinates are lon/lat degrees when `geographic`, metres otherwise.
    public static func compare(_ layer: [(id: String, parts: [[[Coordinate]]])], reference: [(id: String, parts: [[[Coordinate]]])],
                               geographic: Bool) -> Result {
        var referenceCentroids: [String: Coordinate] = [:]
        for r in reference { if let c = centroid(r.parts) { referenceCentroids[r.id] = c } }
        var shifts: [(Double, Double)] = []
        for u in layer.sorted(by: { $0.id < $1.id }) {
            guard let c = centroid(u.parts), let r = referenceCentroids[u.id] else { continue }
            if geographic {
                let metresPerDegree = 111_320.0
                shifts.append(((c.x - r.x) * metresPerDegree * cos(r.y * .pi / 180), (c.y - r.y) * metresPerDegree))
            } else {
                shifts.append((c.x - r.x, c.y - r.y))
            }
        }
        func median(_ v: [Double]) -> Double {
            guard !v.isEmpty else { return 0 }
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let east = median(shifts.map(\.0)), north = median(shifts.map(\.1))
        let spread = median(shifts.map { (($0.0 - east) * ($0.0 - east) + ($0.1 - north) * ($0.1 - north)).squareRoot() })
        let length = (east * east + north * north).squareRoot()
        let along = shifts.filter { length > 0 && ($0.0 * east + $0.1 * north) / length >= length / 2 }.count
        return Result(matched: shifts.count, east: east, north: north, spread: spread,
                      agreeing: shifts.isEmpty ? 0 : Double(along) / Double(shifts.count))
    }
}
