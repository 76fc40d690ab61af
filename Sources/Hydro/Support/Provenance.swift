/// Who made an output, with what, and how: written into every output's metadata so that any
/// figure can be traced back to the tool version and command line that produced it.
public struct Provenance: Sendable {
    public static let toolName = "hydrotool"
    public static let version = "0.1.0"

    /// The command line that is running (set by the executable at start-up).
    public var command: String

    public init(command: String) { self.command = command }

    nonisolated(unsafe) public static var current = Provenance(command: "")

    public var metadata: [String: String] {
        var items = ["TIFFTAG_SOFTWARE": "\(Self.toolName) \(Self.version)",
                     "HYDROTOOL_VERSION": Self.version]
        if !command.isEmpty { items["HYDROTOOL_COMMAND"] = command }
        return items
    }
}
