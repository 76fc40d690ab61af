import Foundation

/// A CSV file read as a header and rows of strings (RFC 4180 quoting, UTF-8, optional BOM),
/// remembering each row's line for error messages.
public struct CSVTable: Sendable {
    public var file: String
    public var header: [String]
    public var rows: [[String]]
    public var lines: [Int]

    public init(file: String, header: [String], rows: [[String]], lines: [Int]) {
        self.file = file
        self.header = header
        self.rows = rows
        self.lines = lines
    }

    public static func load(_ path: String) throws -> CSVTable {
        let data = try InputFile.contents(path, limit: 256 << 20, what: "CSV table")
        guard var text = String(data: data, encoding: .utf8) else { throw HydroError(.invalidInput, path, "is not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> CSVTable {
        var records: [[String]] = []
        var lines: [Int] = []
        var field = "", record: [String] = []
        var inQuotes = false
        var line = 1, recordLine = 1
        var chars = Array(text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" {
                inQuotes = true
            } else if c == "," {
                record.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                record.append(field); field = ""
                if !(record.count == 1 && record[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                    records.append(record.map { $0.trimmingCharacters(in: .whitespaces) })
                    lines.append(recordLine)
                }
                record = []
                line += 1
                recordLine = line
            } else if c != "\r" {
                field.append(c)
            }
            i += 1
        }
        guard !inQuotes else { throw HydroError(.invalidInput, file, "a quoted field is never closed") }
        guard let header = records.first else { throw HydroError(.invalidInput, file, "is empty (a header row is needed)") }
        let body = Array(records.dropFirst())
        for (k, row) in body.enumerated() where row.count != header.count {
            throw HydroError(.invalidInput, "\(file):\(lines[k + 1])", "has \(row.count) fields, the header has \(header.count)")
        }
        return CSVTable(file: file, header: header, rows: body, lines: Array(lines.dropFirst()))
    }

    /// The index of a column (case-insensitive; any of several accepted names), or an error listing the columns.
    public func column(_ names: String...) throws -> Int {
        for name in names {
            if let k = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return k }
        }
        throw HydroError(.invalidInput, file, "has no column '\(names[0])' (columns: \(header.joined(separator: ", ")))")
    }

    public func optionalColumn(_ names: String...) -> Int? {
        for name in names {
            if let k = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return k }
        }
        return nil
    }

    /// A number from a cell, or an error naming the line and column.
    public func number(_ row: Int, _ column: Int) throws -> Double {
        let text = rows[row][column]
        guard let value = Double(text) else {
            throw HydroError(.invalidInput, "\(file):\(lines[row])", "'\(ConfigText.clip(header[column]))' is '\(ConfigText.clip(text))', not a number")
        }
        guard value.isFinite else {
            throw HydroError(.invalidInput, "\(file):\(lines[row])", "'\(ConfigText.clip(header[column]))' is '\(ConfigText.clip(text))', not a finite number")
        }
        return value
    }

    public func location(_ row: Int) -> String { "\(file):\(lines[row])" }
}
