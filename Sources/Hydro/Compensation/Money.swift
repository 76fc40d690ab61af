/// Money in whole fen (0.01 yuan). Amounts are decided in yuan (Double), rounded once to the fen,
/// and from then on only split and summed as integers, so every split and every total is exact.
public enum Money {
    /// The largest amount handled, in fen: 10^15 fen = 10^13 yuan. Below it every amount has at most
    /// 15 significant digits, so it survives a trip through an IEEE double (a JSON number) unchanged.
    public static let limit: Int64 = 1_000_000_000_000_000

    /// Rounds a yuan amount to the fen, halves away from zero (四舍五入). A product of decimal inputs
    /// computed in binary can land a hair off an exact half fen (12345.675 → 1234567.4999…); values
    /// within a few units in the last place of a half are taken as the half they stand for.
    /// - Throws: `HydroError` naming `location` when the amount is not finite or not below 10^13 yuan.
    public static func fen(_ yuan: Double, at location: String) throws -> Int64 {
        let f = yuan * 100
        guard f.isFinite, abs(f) < Double(limit) else {
            throw HydroError(.invalidInput, location, "amount \(yuan) yuan is not a finite sum below 10^13 yuan")
        }
        let whole = f.rounded(.towardZero)
        let fraction = abs(f - whole)
        // A few dozen units in the last place, but never more than a thousandth of a fen.
        let tolerance = min(1e-3, max(1e-7, 64 * f.ulp))
        let rounded = abs(fraction - 0.5) <= tolerance ? whole + (f < 0 ? -1 : 1) : f.rounded(.toNearestOrAwayFromZero)
        return Int64(rounded)
    }

    /// Splits `fen` among parties in proportion to `weights` by the largest-remainder rule: each part
    /// is first rounded down, and the fen left over go one each to the largest remainders; equal
    /// remainders go in the order of the keys. The parts sum to `fen` exactly.
    ///
    /// Weights written as short decimals (1 : 5 : 4, 0.5, 0.3) are used exactly, so a third is a
    /// third and ties are real ties; other weights (Shapley values, load shares) are used to 2^-52
    /// of the largest, which moves no part by more than a millionth of a fen.
    /// - Precondition: `fen >= 0`; keys distinct. Negative or non-finite weights count as zero; if no
    ///   weight is positive the parts are equal.
    /// - Complexity: O(n log n) for n parties.
    public static func split(_ fen: Int64, by weights: [(key: String, weight: Double)]) -> [(key: String, fen: Int64)] {
        var integers = integerWeights(weights.map(\.weight))
        // No positive weight at all: equal parts rather than money lost.
        if integers.allSatisfy({ $0 == 0 }) { integers = integers.map { _ in 1 } }
        let total = integers.reduce(Int64(0), +)
        guard fen > 0, total > 0 else { return weights.map { ($0.key, 0) } }
        var parts: [(key: String, fen: Int64, remainder: Int64)] = []
        var assigned: Int64 = 0
        for (w, n) in zip(weights, integers) {
            // fen × n / total in 128 bits: exact quotient and remainder.
            let product = fen.multipliedFullWidth(by: n)
            let (q, r) = total.dividingFullWidth((high: product.high, low: product.low))
            parts.append((w.key, q, r))
            assigned += q
        }
        var left = fen - assigned
        let order = parts.indices.sorted { a, b in
            parts[a].remainder != parts[b].remainder ? parts[a].remainder > parts[b].remainder : parts[a].key < parts[b].key
        }
        for i in order where left > 0 && integers[i] > 0 {
            parts[i].fen += 1
            left -= 1
        }
        return parts.map { ($0.key, $0.fen) }
    }

    /// Weights as integers with the same ratios: scaled by a power of ten when every weight is a
    /// decimal of at most six places below 10^9, otherwise scaled so the largest is 2^52.
    static func integerWeights(_ weights: [Double]) -> [Int64] {
        let clean = weights.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        let places = clean.map(decimalPlaces)
        if places.allSatisfy({ $0 != nil }), clean.allSatisfy({ $0 < 1e9 }) {
            let k = places.compactMap { $0 }.max() ?? 0
            var scale = 1.0
            for _ in 0..<k { scale *= 10 }
            return clean.map { Int64(($0 * scale).rounded()) }
        }
        let largest = clean.max() ?? 0
        guard largest > 0 else { return clean.map { _ in 0 } }
        return clean.map { Int64(($0 / largest * 4_503_599_627_370_496).rounded()) }
    }

    /// Decimal places of the shortest decimal that reads back as `value`, if at most six.
    static func decimalPlaces(_ value: Double) -> Int? {
        let text = "\(value)"
        guard !text.contains("e") else { return value == 0 ? 0 : nil }
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        let digits = text[text.index(after: dot)...]
        let significant = digits.reversed().drop { $0 == "0" }.count
        return significant <= 6 ? significant : nil
    }

    /// "1234567.89", "-0.05": plain decimal with two places, as written in the CSV and JSON tables.
    public static func text(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// "1,234,567.89": the same figure with thousands separated, for the report.
    public static func grouped(_ fen: Int64) -> String {
        let plain = text(fen)
        let negative = plain.hasPrefix("-")
        let body = negative ? String(plain.dropFirst()) : plain
        guard let dot = body.firstIndex(of: ".") else { return plain }
        var integer = Array(body[..<dot])
        var out: [Character] = []
        while integer.count > 3 {
            out = [","] + integer.suffix(3) + out
            integer.removeLast(3)
        }
        return (negative ? "-" : "") + String(integer + out) + body[dot...]
    }

    /// The yuan value of a whole number of fen, as a JSON number: exact to the fen below 10^13 yuan.
    public static func yuan(_ fen: Int64) -> Double { Double(fen) / 100 }

    /// The fen of a yuan figure read back from a JSON number that held a whole number of fen.
    public static func fen(readBack yuan: Double) -> Int64? {
        let f = (yuan * 100).rounded()
        guard f.isFinite, abs(f) < Double(limit) else { return nil }
        return Int64(f)
    }
}
