/// Who made an output, with what, and how: written into every output's metadata so that any
/// figure can be traced back to the tool version and command line that produced it.
public struct Provenance: Sendable {
    public static let toolName = "hydrotool"
    public static let version = "0.1.0"

    /// The command line that is running (set by the executable at start-up).
    public var command: String

    public init(command: String) { self.command = command }

    /// The command as recorded: the executable's name rather than its path, and without
    /// `--threads N`, which never changes a result (so outputs are byte-identical across thread counts).
    public init(arguments: [String]) {
        var words: [String] = []
        var skipNext = false
        for (i, word) in arguments.enumerated() {
            if skipNext { skipNext = false; continue }
            if word == "--threads" { skipNext = true; continue }
            if word.hasPrefix("--threads=") { continue }
            words.append(i == 0 ? (word.split(separator: "/").last.map(String.init) ?? word) : word)
        }
        self.init(command: words.joined(separator: " "))
    }

    nonisolated(unsafe) public static var current = Provenance(command: "")

    public var metadata: [String: String] {
        var items = ["TIFFTAG_SOFTWARE": "\(Self.toolName) \(Self.version)",
                     "HYDROTOOL_VERSION": Self.version]
        if !command.isEmpty { items["HYDROTOOL_COMMAND"] = command }
        return items
    }
}
