import Foundation

/// Reads configuration files: TOML (the subset configuration needs: tables, arrays of tables,
/// dotted keys, strings, numbers, booleans, arrays, inline tables, comments) or JSON.
public enum ConfigFile {
    public static func load(_ path: String) throws -> ConfigTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HydroError(.io, path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw HydroError(.invalidInput, path, "is not UTF-8 text") }
        if path.lowercased().hasSuffix(".json") { return try parseJSON(text, file: path) }
        return try TOMLParser(text: text, file: path).parse()
    }

    public static func parseJSON(_ text: String, file: String) throws -> ConfigTable {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw HydroError(.invalidInput, file, "is not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw HydroError(.invalidInput, file, "must hold a JSON object at the top") }
        return try table(root, file: file, path: "")
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
        case let n as NSNumber: return .number(n.doubleValue)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(try a.map { try value($0, file: file, path: path) })
        case let d as [String: Any]: return .table(try table(d, file: file, path: path))
        default: throw HydroError(.invalidInput, file, "'\(path)' has a value of an unsupported kind (null?)")
        }
    }
}

/// A small TOML reader that keeps line numbers for every key.
struct TOMLParser {
    let lines: [Substring]
    let file: String

    init(text: String, file: String) {
        // "\r\n" is one Character in Swift, so line ends are normalised before splitting.
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        lines = normalised.split(separator: "\n", omittingEmptySubsequences: false)
        self.file = file
    }

    func fail(_ line: Int, _ message: String) -> HydroError { HydroError(.invalidInput, "\(file):\(line)", message) }

    func parse() throws -> ConfigTable {
        var root = ConfigTable(file: file)
        var currentPath: [String] = []
        var currentIsArrayItem = false
        var index = -1
        while index + 1 < lines.count {
            index += 1
            let raw = lines[index]
            let lineNumber = index + 1
            var text = Substring(stripComment(String(raw))).trimmingCharacters(in: .whitespaces)[...]
            if text.isEmpty { continue }
            if text.hasPrefix("[[") {
                guard text.hasSuffix("]]") else { throw fail(lineNumber, "an array-of-tables header must end with ]]") }
                currentPath = try keyPath(String(text.dropFirst(2).dropLast(2)), lineNumber)
                currentIsArrayItem = true
                try appendArrayTable(&root, currentPath, line: lineNumber)
                continue
            }
            if text.hasPrefix("[") {
                guard text.hasSuffix("]") else { throw fail(lineNumber, "a table header must end with ]") }
                currentPath = try keyPath(String(text.dropFirst().dropLast()), lineNumber)
                currentIsArrayItem = false
                try createTable(&root, currentPath, line: lineNumber)
                continue
            }
            guard let eq = findTopLevel("=", in: text) else { throw fail(lineNumber, "expected 'key = value'") }
            let keyText = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
            text = text[text.index(after: eq)...]
            let keys = try keyPath(keyText, lineNumber)
            var rest = String(text).trimmingCharacters(in: .whitespaces)[...]
            // Multi-line arrays: keep reading until brackets balance.
            var extra = index
            while bracketDepth(String(rest)) > 0 && extra + 1 < lines.count {
                extra += 1
                rest += " " + stripComment(String(lines[extra])).trimmingCharacters(in: .whitespaces)
            }
            var cursor = rest.startIndex
            let value = try parseValue(rest, &cursor, line: lineNumber, path: (currentPath + keys).joined(separator: "."))
            let trailing = rest[cursor...].trimmingCharacters(in: .whitespaces)
            guard trailing.isEmpty else { throw fail(lineNumber, "unexpected text after the value: \(trailing)") }
            try assign(&root, currentPath, arrayItem: currentIsArrayItem, keys: keys, value: value, line: lineNumber)
            index = extra  // continuation lines of a multi-line array are consumed
        }
        return root
    }

    // MARK: structure

    private func createTable(_ root: inout ConfigTable, _ path: [String], line: Int) throws {
        try modify(&root, path, arrayItem: false, createLast: true, line: line) { _ in }
    }

    private func appendArrayTable(_ root: inout ConfigTable, _ path: [String], line: Int) throws {
        guard let last = path.last else { throw fail(line, "empty table name") }
        try modify(&root, Array(path.dropLast()), arrayItem: false, createLast: true, line: line) { parent in
            let item = ConfigTable(file: file, path: parent.qualified(last), line: line)
            if case .array(var items)? = parent.entries[last] {
                items.append(.table(item))
                parent.entries[last] = .array(items)
            } else if parent.entries[last] == nil {
                try parent.set(last, .array([.table(item)]), line: line)
            } else {
                throw fail(line, "'\(parent.qualified(last))' is already defined as something else")
            }
        }
    }

    private func assign(_ root: inout ConfigTable, _ path: [String], arrayItem: Bool, keys: [String], value: ConfigValue, line: Int) throws {
        try modify(&root, path, arrayItem: arrayItem, createLast: false, line: line) { table in
            try setDotted(&table, keys, value, line: line)
        }
    }

    private func setDotted(_ table: inout ConfigTable, _ keys: [String], _ value: ConfigValue, line: Int) throws {
        if keys.count == 1 { try table.set(keys[0], value, line: line); return }
        var child: ConfigTable
        if case .table(let t)? = table.entries[keys[0]] { child = t } else if table.entries[keys[0]] == nil {
            child = ConfigTable(file: file, path: table.qualified(keys[0]), line: line)
        } else { throw fail(line, "'\(table.qualified(keys[0]))' is not a table") }
        try setDotted(&child, Array(keys.dropFirst()), value, line: line)
        if table.entries[keys[0]] == nil { try table.set(keys[0], .table(child), line: line) } else { table.entries[keys[0]] = .table(child) }
    }

    /// Walks to the table at `path` (the last element of an array of tables when `arrayItem`), creating tables as needed.
    private func modify(_ table: inout ConfigTable, _ path: [String], arrayItem: Bool, createLast: Bool, line: Int,
                        _ body: (inout ConfigTable) throws -> Void) throws {
        guard let first = path.first else { try body(&table); return }
        let rest = Array(path.dropFirst())
        switch table.entries[first] {
        case .table(var child)?:
            try modify(&child, rest, arrayItem: arrayItem, createLast: createLast, line: line, body)
            table.entries[first] = .table(child)
        case .array(var items)? where !items.isEmpty:
            guard case .table(var last) = items[items.count - 1] else { throw fail(line, "'\(table.qualified(first))' is not a table") }
            try modify(&last, rest, arrayItem: arrayItem, createLast: createLast, line: line, body)
            items[items.count - 1] = .table(last)
            table.entries[first] = .array(items)
        case nil:
            var child = ConfigTable(file: file, path: table.qualified(first), line: line)
            try modify(&child, rest, arrayItem: arrayItem, createLast: createLast, line: line, body)
            try table.set(first, .table(child), line: line)
        default:
            throw fail(line, "'\(table.qualified(first))' is already a value, not a table")
        }
    }

    // MARK: values

    private func parseValue(_ s: Substring, _ i: inout Substring.Index, line: Int, path: String) throws -> ConfigValue {
        skipSpaces(s, &i)
        guard i < s.endIndex else { throw fail(line, "missing value for '\(path)'") }
        let c = s[i]
        if c == "\"" || c == "'" {
            return .string(try parseString(s, &i, line: line))
        }
        if c == "[" {
            i = s.index(after: i)
            var items: [ConfigValue] = []
            while true {
                skipSpaces(s, &i)
                guard i < s.endIndex else { throw fail(line, "unclosed array in '\(path)'") }
                if s[i] == "]" { i = s.index(after: i); break }
                items.append(try parseValue(s, &i, line: line, path: path))
                skipSpaces(s, &i)
                if i < s.endIndex && s[i] == "," { i = s.index(after: i) }
            }
            return .array(items)
        }
        if c == "{" {
            i = s.index(after: i)
            var t = ConfigTable(file: file, path: path, line: line)
            while true {
                skipSpaces(s, &i)
                guard i < s.endIndex else { throw fail(line, "unclosed inline table in '\(path)'") }
                if s[i] == "}" { i = s.index(after: i); break }
                guard let eq = s[i...].firstIndex(of: "=") else { throw fail(line, "expected key = value in inline table") }
                let key = s[i..<eq].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                i = s.index(after: eq)
                try t.set(key, try parseValue(s, &i, line: line, path: "\(path).\(key)"), line: line)
                skipSpaces(s, &i)
                if i < s.endIndex && s[i] == "," { i = s.index(after: i) }
            }
            return .table(t)
        }
        var end = i
        while end < s.endIndex && !",]}".contains(s[end]) && !s[end].isWhitespace { end = s.index(after: end) }
        let word = String(s[i..<end])
        i = end
        if word == "true" { return .bool(true) }
        if word == "false" { return .bool(false) }
        if let d = Double(word.replacingOccurrences(of: "_", with: "")), d.isFinite { return .number(d) }
        throw fail(line, "'\(path)': cannot read value '\(word)' (strings need quotes)")
    }

    private func parseString(_ s: Substring, _ i: inout Substring.Index, line: Int) throws -> String {
        let quote = s[i]
        i = s.index(after: i)
        var out = ""
        while i < s.endIndex {
            let c = s[i]
            if c == quote { i = s.index(after: i); return out }
            if c == "\\" && quote == "\"" {
                i = s.index(after: i)
                guard i < s.endIndex else { break }
                switch s[i] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                default: out.append(s[i])
                }
            } else {
                out.append(c)
            }
            i = s.index(after: i)
        }
        throw fail(line, "unterminated string")
    }

    private func skipSpaces(_ s: Substring, _ i: inout Substring.Index) {
        while i < s.endIndex && s[i].isWhitespace { i = s.index(after: i) }
    }

    private func keyPath(_ text: String, _ line: Int) throws -> [String] {
        let parts = text.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { throw fail(line, "bad key '\(text)'") }
        return parts
    }

    private func stripComment(_ line: String) -> String {
        var inString: Character?
        for (offset, c) in line.enumerated() {
            if let q = inString { if c == q { inString = nil } } else if c == "\"" || c == "'" { inString = c } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    private func findTopLevel(_ target: Character, in text: Substring) -> Substring.Index? {
        var inString: Character?
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if let q = inString { if c == q { inString = nil } } else if c == "\"" || c == "'" { inString = c } else if c == target { return i }
            i = text.index(after: i)
        }
        return nil
    }

    private func bracketDepth(_ text: String) -> Int {
        var depth = 0
        var inString: Character?
        for c in text {
            if let q = inString { if c == q { inString = nil }; continue }
            if c == "\"" || c == "'" { inString = c } else if c == "[" || c == "{" { depth += 1 } else if c == "]" || c == "}" { depth -= 1 }
        }
        return depth
    }
}
