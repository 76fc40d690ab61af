import Foundation

/// Numbers as a reader of the report expects them: plain decimals (never `4.657e-10`), thousands
/// separated by commas, and as many decimals as the size of the figure warrants. The formatting
/// does not depend on the machine's locale, so reports are byte-identical everywhere.
public enum ReportNumber {
    /// An integer with thousands separators: 1234567 → "1,234,567", -1500 → "-1,500".
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Whole yuan (or any currency), rounded half away from zero, with separators; "0" for a
    /// value that rounds to zero (never "-0").
    public static func whole(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let rounded = value.rounded(.toNearestOrAwayFromZero)
        guard abs(rounded) < 9e18 else { return String(format: "%.0f", rounded) }
        return grouped(Int64(rounded))
    }

    /// A figure in plain decimal: whole numbers with separators from 1,000 up, two decimals from 1,
    /// three significant digits below 1 (0.0123), and "0" for what rounds to nothing at that precision.
    public static func plain(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let a = abs(value)
        if a >= 1000 { return whole(value) }
        if a >= 100 { return fixed(value, decimals: 1) }
        if a >= 1 { return fixed(value, decimals: 2) }
        if a < 1e-9 { return "0" }
        let decimals = min(12, 2 - Int(floor(log10(a))))
        return fixed(value, decimals: decimals)
    }

    /// `plain` without trailing zeros after the decimal point: 5 → "5", 0.5 → "0.5", 402.5 → "402.5".
    public static func short(_ value: Double) -> String {
        let text = plain(value)
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// A fixed number of decimals with separators in the integer part: 12345.678, 2 → "12,345.68".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        let text = String(format: "%.\(max(0, decimals))f", abs(value))
        let parts = text.split(separator: ".", maxSplits: 1)
        let integer = Int64(parts[0]).map(grouped) ?? String(parts[0])
        let fraction = parts.count > 1 ? "." + parts[1] : ""
        let isZero = text.allSatisfy { $0 == "0" || $0 == "." }
        return (value < 0 && !isZero ? "-" : "") + integer + fraction
    }

    /// A share as a percentage with one decimal: 0.2291 → "22.9 %".
    public static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "–" }
        return fixed(share * 100, decimals: 1) + " %"
    }

    /// A load given in kg/yr shown in tonnes per year.
    public static func tonnes(_ kilograms: Double) -> String { plain(kilograms / 1000) }
}
