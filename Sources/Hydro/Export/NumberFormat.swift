import Foundation

/// Nine significant digits, empty for NaN: the precision of figures in the CSV and JSON tables.
func fmt(_ v: Double) -> String { v.isNaN ? "" : String(format: "%.9g", v) }

/// A whole number without decimals, otherwise four significant digits: for labels in rule descriptions.
func fmtShort(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return String(format: "%.4g", v)
}

/// "scheme.toml:38" for a location "/path/to/scheme.toml:38".
func short(_ location: String) -> String { (location as NSString).lastPathComponent }
