/// The line on which each key of a TOML document is defined, found by one linear scan of the text
/// (TOMLKit gives values but no positions). It also refuses documents nested deeper than a limit,
/// before the recursive parser sees them.
///
/// A key is identified by its path of table and key names; an item of an array of tables adds a
/// "#n" segment (0-based), so `[[point_sources]]` items are told apart. The scan never judges
/// syntax (TOMLKit does): on text it does not understand it moves to the next line.
struct TOMLKeyLines {
    private var lines: [String: Int] = [:]

    func line(of path: [String]) -> Int? { lines[Self.key(path)] }

    private static func key(_ path: [String]) -> String { path.joined(separator: "\u{0}") }

    init(text: String, file: String, maximumDepth: Int) throws {
        let bytes = Array(text.utf8)
        var scanner = Scanner(bytes: bytes, file: file, maximumDepth: maximumDepth)
        var current: [String] = []
        var arrayCounts: [String: Int] = [:]
        var found: [String: Int] = [:]

        func canonical(_ components: [String], from base: [String]) -> [String] {
            var path = base
            for c in components {
                path.append(c)
                if let n = arrayCounts[Self.key(path)] { path.append("#\(n - 1)") }
            }
            return path
        }
        func record(_ path: [String], _ line: Int) {
            let k = Self.key(path)
            if found[k] == nil { found[k] = line }
        }

        while let first = scanner.nextStatement() {
            let line = scanner.line
            if first == UInt8(ascii: "[") {
                let isArray = scanner.peek(1) == UInt8(ascii: "[")
                scanner.advance(isArray ? 2 : 1)
                let components = try scanner.key()
                guard !components.isEmpty else { scanner.skipLine(); continue }
                if isArray {
                    let path = canonical(Array(components.dropLast()), from: []) + [components[components.count - 1]]
                    let k = Self.key(path)
                    let n = (arrayCounts[k] ?? 0) + 1
                    arrayCounts[k] = n
                    record(path, line)
                    current = path + ["#\(n - 1)"]
                    record(current, line)
                } else {
                    current = canonical(components, from: [])
                    for end in 1...current.count { record(Array(current.prefix(end)), line) }
                }
                scanner.skipLine()
                continue
            }
            let components = try scanner.key()
            guard !components.isEmpty, scanner.peek(0) == UInt8(ascii: "=") else { scanner.skipLine(); continue }
            scanner.advance(1)
            let path = current + components
            for end in (current.count + 1)...path.count { record(Array(path.prefix(end)), line) }
            try scanner.skipValue()
        }
        lines = found
    }

    /// A cursor over the document's bytes that counts lines.
    private struct Scanner {
        let bytes: [UInt8]
        let file: String
        let maximumDepth: Int
        var i = 0
        var line = 1

        init(bytes: [UInt8], file: String, maximumDepth: Int) {
            self.bytes = bytes
            self.file = file
            self.maximumDepth = maximumDepth
        }

        func peek(_ offset: Int) -> UInt8? {
            let j = i + offset
            return j >= 0 && j < bytes.count ? bytes[j] : nil
        }

        mutating func advance(_ count: Int) { i = min(i + count, bytes.count) }

        private mutating func skipBlanks() {
            while let c = peek(0), c == 32 || c == 9 || c == 13 { i += 1 }
        }

        /// Moves past blank and comment lines to the first byte of the next statement.
        mutating func nextStatement() -> UInt8? {
            while true {
                skipBlanks()
                guard let c = peek(0) else { return nil }
                if c == 10 { line += 1; i += 1; continue }
                if c == UInt8(ascii: "#") { skipLine(); continue }
                return c
            }
        }

        /// Moves to the end of the line (before its newline).
        mutating func skipLine() {
            while let c = peek(0), c != 10 { i += 1 }
        }

        /// A dotted key (bare, "basic" or 'literal' parts); stops before `=`, `]` or the line end.
        mutating func key() throws -> [String] {
            var parts: [String] = []
            while true {
                skipBlanks()
                guard let c = peek(0) else { break }
                if c == UInt8(ascii: "\"") {
                    parts.append(quoted(escapes: true))
                } else if c == UInt8(ascii: "'") {
                    parts.append(quoted(escapes: false))
                } else {
                    let start = i
                    while let b = peek(0), Self.isBare(b) { i += 1 }
                    guard i > start else { break }
                    parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
                }
                if parts.count > maximumDepth {
                    throw HydroError(.invalidInput, "\(file):\(line)", "a key has more than \(maximumDepth) dotted parts")
                }
                skipBlanks()
                guard peek(0) == UInt8(ascii: ".") else { break }
                i += 1
            }
            return parts
        }

        private static func isBare(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
        }

        /// A one-line quoted key, with basic-string escapes decoded when `escapes`.
        private mutating func quoted(escapes: Bool) -> String {
            let quote = bytes[i]
            i += 1
            var out: [UInt8] = []
            while let c = peek(0), c != quote, c != 10 {
                if escapes && c == 92, let e = peek(1) {
                    i += 2
                    switch e {
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "u"), UInt8(ascii: "U"):
                        let digits = e == UInt8(ascii: "u") ? 4 : 8
                        let end = min(i + digits, bytes.count)
                        let hex = String(decoding: bytes[i..<end], as: UTF8.self)
                        i = end
                        if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) { out.append(contentsOf: Array(String(scalar).utf8)) }
                    default: out.append(e)
                    }
                    continue
                }
                out.append(c)
                i += 1
            }
            if peek(0) == quote { i += 1 }
            return String(decoding: out, as: UTF8.self)
        }

        /// Moves past a value, which may span lines inside brackets or multi-line strings, to the end of its line.
        mutating func skipValue() throws {
            var depth = 0
            while let c = peek(0) {
                switch c {
                case 10:
                    if depth <= 0 { return }
                    line += 1
                    i += 1
                case UInt8(ascii: "#"):
                    skipLine()
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(c)
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    if depth > maximumDepth {
                        throw HydroError(.invalidInput, "\(file):\(line)", "values are nested more than \(maximumDepth) levels deep")
                    }
                    i += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    i += 1
                default:
                    i += 1
                }
            }
        }

        private mutating func skipString(_ quote: UInt8) {
            let escapes = quote == UInt8(ascii: "\"")
            let multiLine = peek(1) == quote && peek(2) == quote
            i += multiLine ? 3 : 1
            while let c = peek(0) {
                if escapes && c == 92 {
                    if peek(1) == 10 { line += 1 }
                    advance(2)
                    continue
                }
                if c == 10 {
                    guard multiLine else { return }
                    line += 1
                }
                if c == quote {
                    if !multiLine { i += 1; return }
                    if peek(1) == quote && peek(2) == quote {
                        i += 3
                        // A multi-line string may end with up to two quotes of its own before the closing three.
                        var extra = 0
                        while extra < 2, peek(0) == quote { i += 1; extra += 1 }
                        return
                    }
                }
                i += 1
            }
        }
    }
}
