import Foundation

/// Writes CSV with RFC 4180 quoting.
public enum CSVWriter {
    /// The byte order mark that makes Excel read a CSV as UTF-8: without it, Excel on a
    /// Chinese-locale Windows decodes the bytes as GBK and 清水铺 shows as 娓呮按閾�.
    public static let byteOrderMark = "\u{FEFF}"

    /// The CSV text; `bom` (the default) starts it with the UTF-8 byte order mark. Python's
    /// `encoding="utf-8-sig"`, pandas, R, LibreOffice, QGIS and GDAL all skip the mark.
    public static func text(header: [String], rows: [[String]], bom: Bool = true) -> String {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return (bom ? byteOrderMark : "") + ([header] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
