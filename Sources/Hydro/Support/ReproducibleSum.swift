/// A sum of Doubles whose result does not depend on the order of the terms or on how they are
/// grouped: every term is rounded once to a multiple of 2⁻⁶⁰ and added as a 128-bit integer, and
/// integer addition is associative. Partial sums (one per tile, per rank or per thread) then merge
/// into exactly the bits the whole sum gives in one pass, which ordinary Double addition cannot do
/// (its result depends on the grouping in the last bits).
///
/// It is also the more exact sum: the only rounding is of each term to 2⁻⁶⁰ (≈ 8.7·10⁻¹⁹, far below
/// any load in kg/yr) and of the final total to a Double, where a running Double sum rounds at every
/// step. Terms and partial sums must stay below 2⁶⁶ (≈ 7.4·10¹⁹) in magnitude; beyond that the sum
/// reports NaN (`value`) rather than a wrapped figure. Non-finite terms (∞, NaN) are kept apart and
/// give the result an IEEE sum of them would (NaN, or ∞ of one sign), still independent of the order.
public struct ReproducibleSum: Sendable, Equatable, Hashable {
    /// The sum in units of 2⁻⁶⁰.
    public private(set) var units: Int128 = 0
    /// Set when a term or a partial sum went out of range.
    public private(set) var overflowed = false
    /// The sum of the non-finite terms (0 when there were none).
    public private(set) var special: Double = 0

    /// 2⁶⁰ and its inverse: scaling by them is exact.
    static let scale: Double = 0x1p60
    static let inverseScale: Double = 0x1p-60
    /// Terms and sums are kept below 2⁶⁶ · 2⁶⁰ = 2¹²⁶ units, so that adding two never wraps.
    static let limit: Int128 = 1 << 126

    public init() {}

    public init<S: Sequence>(_ terms: S) where S.Element == Double {
        for t in terms { add(t) }
    }

    /// The units of one term: `value · 2⁶⁰` rounded to the nearest integer (ties to even).
    @inline(__always) static func units(of value: Double) -> Int128? {
        // From |value| ≥ 2⁻⁸ on, the term is its significand shifted left (no rounding): read from
        // its bits, where conversions from Double are many times the cost in the per-cell budgets.
        let bits = value.bitPattern
        let shift = Int((bits >> 52) & 0x7FF) - 1015  // biased exponent − 1075 + 60
        if shift >= 0 {
            // 2⁵³ · 2⁷³ = 2¹²⁶: terms stay below 2⁶⁶ in magnitude (NaN and ∞ land here too).
            guard shift <= 73 else { return nil }
            let magnitude = Int128(bits & 0xF_FFFF_FFFF_FFFF | 0x10_0000_0000_0000) << shift
            return bits >> 63 != 0 ? -magnitude : magnitude
        }
        // Below 2⁻⁸: scaled and rounded, fewer than 2⁵² units, so one machine conversion holds them.
        return Int128(Int64((value * scale).rounded(.toNearestOrEven)))
    }

    @inline(__always) public mutating func add(_ value: Double) {
        guard value.isFinite else { special += value; return }
        guard let u = Self.units(of: value) else { overflowed = true; return }
        units &+= u
        if units >= Self.limit || units <= -Self.limit { overflowed = true }
    }

    /// Adds another partial sum: the result is the sum of both sets of terms, exactly.
    public mutating func add(_ other: ReproducibleSum) {
        units &+= other.units
        overflowed = overflowed || other.overflowed || units >= Self.limit || units <= -Self.limit
        // Non-finite partial sums combine as the terms would: ∞ + −∞ is NaN in any order.
        if other.special != 0 || other.special.isNaN { special += other.special }
    }

    @inline(__always) public static func += (lhs: inout ReproducibleSum, rhs: Double) { lhs.add(rhs) }
    public static func += (lhs: inout ReproducibleSum, rhs: ReproducibleSum) { lhs.add(rhs) }

    /// The total as the nearest Double.
    public var value: Double {
        if special != 0 || special.isNaN { return special }
        if overflowed { return .nan }
        return Double(units) * Self.inverseScale
    }
}

extension ReproducibleSum {
    /// Packing for the messages tiles exchange: the 128 bits, the overflow flag and the special sum.
    func write(to w: inout ByteWriter) {
        w.put(UInt64(truncatingIfNeeded: units))
        w.put(UInt64(truncatingIfNeeded: units >> 64))
        w.put(overflowed ? 1 : 0)
        w.put(special)
    }

    static func read(from r: inout ByteReader) throws -> ReproducibleSum {
        var s = ReproducibleSum()
        let low = try r.get(UInt64.self), high = try r.get(UInt64.self)
        s.units = Int128(truncatingIfNeeded: UInt128(high) << 64 | UInt128(low))
        s.overflowed = try r.int() != 0
        s.special = try r.double()
        return s
    }
}
