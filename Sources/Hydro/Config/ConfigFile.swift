import Foundation
import TOMLKit

/// Reads configuration files: TOML 1.0 (through TOMLKit) or JSON, into `ConfigTable`s that keep
/// the line of every key for error messages.
public enum ConfigFile {
    /// The largest configuration file read (project files are a few kilobytes).
    public static let maximumBytes = 8 << 20
    /// The deepest nesting of tables and arrays accepted.
    public static let maximumDepth = 64

    public static func load(_ path: String) throws -> ConfigTable {
        let data = try InputFile.contents(path, limit: maximumBytes, what: "configuration file")
        guard let text = String(data: data, encoding: .utf8) else { throw HydroError(.invalidInput, path, "is not UTF-8 text") }
        if path.lowercased().hasSuffix(".json") { return try parseJSON(text, file: path) }
        return try parseTOML(text, file: path)
    }

    /// Parses TOML text; `file` names it in errors.
    public static func parseTOML(_ text: String, file: String) throws -> ConfigTable {
        guard text.utf8.count <= maximumBytes else {
            throw HydroError(.invalidInput, file, "is \(text.utf8.count) bytes; a configuration file may be at most \(maximumBytes) bytes")
        }
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].reduce(1) { $1 == 10 ? $0 + 1 : $0 }
            throw HydroError(.invalidInput, "\(file):\(line)", "contains a NUL character")
        }
        // The scan runs first: it is linear and bounded, and refuses nesting deeper than TOMLKit's recursion should see.
        let lines = try TOMLKeyLines(text: text, file: file, maximumDepth: maximumDepth)
        let document: TOMLTable
        do { document = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw HydroError(.invalidInput, "\(file):\(error.source.begin.line)", "is not valid TOML: \(ConfigText.clip(error.description))")
        }
        return try TOMLConversion(file: file, lines: lines).table(document, path: [], dotted: "", line: 1)
    }

    public static func parseJSON(_ text: String, file: String) throws -> ConfigTable {
        guard text.utf8.count <= maximumBytes else {
            throw HydroError(.invalidInput, file, "is \(text.utf8.count) bytes; a configuration file may be at most \(maximumBytes) bytes")
        }
        try requireJSONDepth(text, file: file)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw HydroError(.invalidInput, file, "is not valid JSON: \(ConfigText.clip(error.localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw HydroError(.invalidInput, file, "must hold a JSON object at the top") }
        return try table(root, file: file, path: "")
    }

    /// Counts bracket depth outside strings, so that a deeply nested document is refused before it is parsed.
    private static func requireJSONDepth(_ text: String, file: String) throws {
        var depth = 0, inString = false, escaped = false, line = 1
        for byte in text.utf8 {
            if byte == 10 { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == 92 { escaped = true } else if byte == 34 { inString = false }
                continue
            }
            switch byte {
            case 34: inString = true
            case 91, 123:
                depth += 1
                if depth > maximumDepth {
                    throw HydroError(.invalidInput, "\(file):\(line)", "values are nested more than \(maximumDepth) levels deep")
                }
            case 93, 125: depth -= 1
            default: break
            }
        }
    }

    private static func table(_ dictionary: [String: Any], file: String, path: String) throws -> ConfigTable {
        var t = ConfigTable(file: file, path: path)
        for key in dictionary.keys.sorted() {
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            try t.set(key, try value(dictionary[key] as Any, file: file, path: childPath), line: 1)
        }
        return t
    }

    private static func value(_ any: Any, file: String, path: String) throws -> ConfigValue {
        switch any {
        // JSONSerialization gives booleans as a boolean NSNumber subclass, which is the only way to tell them from 0 and 1.
        case let n as NSNumber where String(describing: type(of: n)).contains("Boolean"): return .bool(n.boolValue)
        case let b as Bool where !(any is NSNumber): return .bool(b)
        case let n as NSNumber:
            guard n.doubleValue.isFinite else { throw HydroError(.invalidInput, file, "'\(ConfigText.clip(path))' must be a finite number") }
            return .number(n.doubleValue)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(try a.map { try value($0, file: file, path: path) })
        case let d as [String: Any]: return .table(try table(d, file: file, path: path))
        default: throw HydroError(.invalidInput, file, "'\(ConfigText.clip(path))' has a value of an unsupported kind (null?)")
        }
    }
}

/// Turns a TOMLKit document into `ConfigTable`s, with the line of each key from `TOMLKeyLines`.
private struct TOMLConversion {
    let file: String
    let lines: TOMLKeyLines

    /// `path` identifies this table instance as `TOMLKeyLines` does (array-of-tables items carry "#n").
    func table(_ source: TOMLTable, path: [String], dotted: String, line: Int) throws -> ConfigTable {
        var result = ConfigTable(file: file, path: dotted, line: line)
        let keyed = source.keys.map { key in (key: key, line: lines.line(of: path + [key]) ?? line) }
        for (key, keyLine) in keyed.sorted(by: { ($0.line, $0.key) < ($1.line, $1.key) }) {
            guard let node = source[key] else { continue }
            let childDotted = dotted.isEmpty ? key : "\(dotted).\(key)"
            try result.set(key, try value(node, path: path + [key], dotted: childDotted, line: keyLine), line: keyLine)
        }
        return result
    }

    func value(_ node: TOMLValueConvertible, path: [String], dotted: String, line: Int) throws -> ConfigValue {
        switch node.type {
        case .string: return .string(node.string ?? "")
        case .bool: return .bool(node.bool ?? false)
        case .int:
            guard let i = node.int else { return .number(0) }
            return .number(Double(i))
        case .double:
            let d = node.double ?? .nan
            guard d.isFinite else {
                throw HydroError(.invalidInput, "\(file):\(line)", "'\(ConfigText.clip(dotted))' must be a finite number, not \(d)")
            }
            return .number(d)
        case .date, .time, .dateTime: return .string(node.debugDescription)
        case .table:
            guard let t = node.table else { return .table(ConfigTable(file: file, path: dotted, line: line)) }
            return .table(try table(t, path: path, dotted: dotted, line: line))
        case .array:
            guard let array = node.array else { return .array([]) }
            var items: [ConfigValue] = []
            for (index, item) in array.enumerated() {
                // Items of an array of tables have their own header lines; items of inline arrays share the key's line.
                let itemPath = path + ["#\(index)"]
                items.append(try value(item, path: itemPath, dotted: dotted, line: lines.line(of: itemPath) ?? line))
            }
            return .array(items)
        }
    }
}

/// Shortens user text quoted in a message, so that a huge key is never echoed whole.
enum ConfigText {
    static func clip(_ text: String, _ limit: Int = 80) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
    }
}
