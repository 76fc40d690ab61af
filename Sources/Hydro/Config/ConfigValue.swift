/// A value read from a TOML or JSON configuration file, with the line it came from so that an
/// error can name it.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table(ConfigTable)

    var typeName: String {
        switch self {
        case .string: "a string"
        case .number: "a number"
        case .bool: "true/false"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A table of keys to values; keeps each key's line and the file name for error messages.
public struct ConfigTable: Sendable, Equatable {
    public var entries: [String: ConfigValue] = [:]
    public var lines: [String: Int] = [:]
    /// Keys in file order.
    public var order: [String] = []
    public var file: String
    /// Dotted path of this table inside the file ("" for the root).
    public var path: String
    public var line: Int

    public init(file: String, path: String = "", line: Int = 1) {
        self.file = file
        self.path = path
        self.line = line
    }

    mutating func set(_ key: String, _ value: ConfigValue, line: Int) throws {
        guard entries[key] == nil else {
            throw HydroError(.invalidInput, "\(file):\(line)", "key '\(qualified(key))' is defined twice")
        }
        entries[key] = value
        lines[key] = line
        order.append(key)
    }

    public func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// "file:line" for a key (the table's own line when the key is absent).
    public func location(_ key: String) -> String { "\(file):\(lines[key] ?? line)" }

    public func error(_ key: String, _ message: String) -> HydroError {
        HydroError(.invalidInput, location(key), "'\(ConfigText.clip(qualified(key)))' \(message)")
    }

    /// Refuses keys other than `known`, so a typo is never silently ignored.
    public func requireOnly(_ known: [String]) throws {
        for key in order where !known.contains(key) {
            // A key far longer than every known one cannot be a typo of one (and the distance would cost its length squared).
            let hint = key.count > 64 ? nil : known.min { editDistance($0, key) < editDistance($1, key) }
            let suggestion = hint.map { editDistance($0, key) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
            throw HydroError(.invalidInput, location(key), "unknown key '\(ConfigText.clip(qualified(key)))'\(suggestion); known keys: \(known.joined(separator: ", "))")
        }
    }

    public func has(_ key: String) -> Bool { entries[key] != nil }

    /// Refuses keys that say the same thing two ways (the later one would silently win).
    public func requireExclusive(_ keys: [String]) throws {
        let present = keys.filter(has)
        guard present.count <= 1 else {
            func origin(_ k: String) -> String { (lines[k] ?? 0) == 0 ? "from --set" : "line \(lines[k] ?? 0)" }
            throw HydroError(.invalidInput, file, "'\(qualified(present[0]))' (\(origin(present[0]))) and '\(qualified(present[1]))' (\(origin(present[1]))) cannot be combined; give one of them")
        }
    }

    /// Sets a dotted key (e.g. "decay.TP") from TOML value text, replacing what the file said:
    /// how command-line flags override a parameter file.
    public mutating func override(_ assignment: String) throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw HydroError(.invalidParameter, "--set", "'\(assignment)' is not KEY=VALUE (e.g. decay.TP=0.05)")
        }
        let keys = assignment[..<eq].split(separator: ".").map { String($0).trimmingWhitespace() }
        let valueText = String(assignment[assignment.index(after: eq)...])
        guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else { throw HydroError(.invalidParameter, "--set", "'\(assignment)' has an empty key") }
        let parsed = try ConfigFile.parseTOML("v = \(valueText)", file: "--set")
        guard let value = parsed.entries["v"] else { throw HydroError(.invalidParameter, "--set", "no value in '\(assignment)'") }
        try setPath(keys[...], value)
    }

    private mutating func setPath(_ keys: ArraySlice<String>, _ value: ConfigValue) throws {
        guard let key = keys.first else { return }
        if keys.count == 1 {
            if entries[key] == nil { order.append(key) }
            entries[key] = value
            lines[key] = 0
            return
        }
        var child: ConfigTable
        switch entries[key] {
        case .table(let t)?: child = t
        case nil: child = ConfigTable(file: "--set", path: qualified(key))
        default: throw HydroError(.invalidParameter, "--set", "'\(qualified(key))' is not a table")
        }
        try child.setPath(keys.dropFirst(), value)
        if entries[key] == nil { order.append(key) }
        entries[key] = .table(child)
    }

    public func string(_ key: String) throws -> String? {
        guard let v = entries[key] else { return nil }
        guard case .string(let s) = v else { throw error(key, "must be a string, not \(v.typeName)") }
        return s
    }

    public func requireString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw error(key, "is missing") }
        return s
    }

    public func number(_ key: String) throws -> Double? {
        guard let v = entries[key] else { return nil }
        guard case .number(let d) = v else { throw error(key, "must be a number, not \(v.typeName)") }
        return d
    }

    public func requireNumber(_ key: String) throws -> Double {
        guard let d = try number(key) else { throw error(key, "is missing") }
        return d
    }

    /// A whole number in `range`, or an error naming the key.
    public func integer(_ key: String, in range: ClosedRange<Int> = Int(Int32.min)...Int(Int32.max)) throws -> Int? {
        guard let d = try number(key) else { return nil }
        guard d == d.rounded(), d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw error(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(d)")
        }
        return Int(d)
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = entries[key] else { return nil }
        guard case .bool(let b) = v else { throw error(key, "must be true or false, not \(v.typeName)") }
        return b
    }

    public func table(_ key: String) throws -> ConfigTable? {
        guard let v = entries[key] else { return nil }
        guard case .table(let t) = v else { throw error(key, "must be a table, not \(v.typeName)") }
        return t
    }

    /// An array of tables (`[[key]]` in TOML, an array of objects in JSON).
    public func tables(_ key: String) throws -> [ConfigTable] {
        guard let v = entries[key] else { return [] }
        guard case .array(let items) = v else { throw error(key, "must be an array of tables, not \(v.typeName)") }
        return try items.map { item in
            guard case .table(let t) = item else { throw error(key, "must hold tables, not \(item.typeName)") }
            return t
        }
    }

    public func strings(_ key: String) throws -> [String]? {
        guard let v = entries[key] else { return nil }
        if case .string(let s) = v { return [s] }
        guard case .array(let items) = v else { throw error(key, "must be a list of strings, not \(v.typeName)") }
        return try items.map { item in
            guard case .string(let s) = item else { throw error(key, "must hold strings, not \(item.typeName)") }
            return s
        }
    }

    public func numbers(_ key: String) throws -> [Double]? {
        guard let v = entries[key] else { return nil }
        if case .number(let d) = v { return [d] }
        guard case .array(let items) = v else { throw error(key, "must be a list of numbers, not \(v.typeName)") }
        return try items.map { item in
            guard case .number(let d) = item else { throw error(key, "must hold numbers, not \(item.typeName)") }
            return d
        }
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
