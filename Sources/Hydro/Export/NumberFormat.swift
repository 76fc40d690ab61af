import Foundation

/// Nine significant digits, empty for NaN: the precision of figures in the CSV and JSON tables.
func fmt(_ v: Double) -> String { v.isNaN ? "" : String(format: "%.9g", v) }

/// A whole number without decimals, otherwise four significant digits (all integer digits from 1000 up),
/// in plain decimal, never with an exponent: for figures in rule descriptions and messages.
func fmtShort(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    let magnitude = abs(v)
    if magnitude >= 1000 { return String(format: "%.0f", v) }
    let decimals = min(12, max(0, 3 - Int((log10(magnitude)).rounded(.down))))
    var text = String(format: "%.\(decimals)f", v)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}

/// "scheme.toml:38" for a location "/path/to/scheme.toml:38".
func short(_ location: String) -> String { (location as NSString).lastPathComponent }
