import Foundation

/// Writes CSV with RFC 4180 quoting, neutralising cells that a spreadsheet would run as a formula.
public enum CSVWriter {
    /// The byte order mark that makes Excel read a CSV as UTF-8: without it, Excel on a
    /// Chinese-locale Windows decodes the bytes as GBK and 清水铺 shows as 娓呮按閾�.
    public static let byteOrderMark = "\u{FEFF}"

    /// The CSV text; `bom` (the default) starts it with the UTF-8 byte order mark. Python's
    /// `encoding="utf-8-sig"`, pandas, R, LibreOffice, QGIS and GDAL all skip the mark.
    public static func text(header: [String], rows: [[String]], bom: Bool = true) -> String {
        (bom ? byteOrderMark : "") + ([header] + rows).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// One cell, quoted when it needs to be. Text that begins with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return (a county or section named "=HYPERLINK(…)") is made inert as OWASP's
    /// "CSV injection" guidance says: a leading apostrophe, and the cell quoted. Numbers such as
    /// "-3.5" and "+0.2" are left as they are.
    public static func cell(_ s: String) -> String {
        if isFormulaLike(s) { return "\"'" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func isFormulaLike(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return false }
        return Double(s.trimmingCharacters(in: .whitespaces)) == nil
    }
}
