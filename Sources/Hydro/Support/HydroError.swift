/// The one error type the library throws.
///
/// Every error names what failed (a file, a parameter or a field) and what is wrong with it,
/// so the command line can print it as a single line: `path: message`.
public struct HydroError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// A file could not be opened, read or written.
        case io
        /// An input file was read but its content is unusable (wrong type, band out of range, bad field).
        case invalidInput
        /// A parameter or option value is out of its range or not understood.
        case invalidParameter
        /// Grids that must share a geometry (size, geotransform, CRS) do not.
        case geometryMismatch
        /// An output exists and overwriting was not allowed.
        case outputExists
        /// The user or a progress handler asked to stop.
        case cancelled
        /// The flow graph has a cycle, so water would circulate for ever.
        case cycle
    }

    public var kind: Kind
    /// The file, parameter or field the error is about (empty when none applies).
    public var subject: String
    public var message: String

    public init(_ kind: Kind, _ subject: String, _ message: String) {
        self.kind = kind
        self.subject = subject
        self.message = message
    }

    /// Runs `body`, naming `file` in errors that only name a generic subject (a geotransform, the DEM),
    /// so the one-line message always says which file is at fault.
    public static func attributing<T>(to file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as HydroError where ["geotransform", "DEM", "flow directions", "grid"].contains(error.subject) {
            throw HydroError(error.kind, file, "\(error.subject): \(error.message)")
        }
    }

    public var description: String {
        subject.isEmpty ? message : "\(subject): \(message)"
    }
}

/// Cell indices are stored as Int32 in queues, orders and compact numberings (half the memory of Int).
enum GridLimits {
    static func requireIndexable(_ cells: Int, _ what: String) throws {
        guard cells < Int(Int32.max) else {
            throw HydroError(.invalidInput, what, "has \(cells) cells; this tool handles up to 2,147,483,646 cells per grid (split it into tiles)")
        }
    }
}
