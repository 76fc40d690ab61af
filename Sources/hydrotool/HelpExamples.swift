import ArgumentParser
import Foundation
import Hydro

/// Worked examples for each command's `--help`. They are written into the command's discussion
/// under an `EXAMPLES:` heading, and `Hydrotool.main` moves that block to the end of the help text,
/// where GDAL's utilities and most Unix tools put their examples.
enum Examples {
    static let heading = "EXAMPLES:"

    /// A discussion: an optional paragraph, then the examples as "description" + "$ command".
    static func text(_ lead: String, _ examples: [(String, String)]) -> String {
        lead + "\n\n" + text(examples)
    }

    static func text(_ examples: [(String, String)]) -> String {
        heading + "\n" + examples.map { "  \($0.0)\n    $ \($0.1)" }.joined(separator: "\n\n")
    }

    /// Help text with the EXAMPLES block moved from the overview to the end.
    static func movedToEnd(_ help: String) -> String {
        var lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == heading }) else { return help }
        var end = start + 1
        // The block runs until the next section heading (an unindented capitalised word and a colon: USAGE:, OPTIONS:).
        while end < lines.count, !isHeading(lines[end]) { end += 1 }
        var block = Array(lines[start..<end])
        lines.removeSubrange(start..<end)
        while block.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { block.removeLast() }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        // The help generator wraps long lines at 80 columns; examples are shown unwrapped, as typed.
        let words = block.joined(separator: " ").split(whereSeparator: \.isWhitespace)
        let original = allBlocks.first { $0.split(whereSeparator: \.isWhitespace) == words }
        let shown = original.map { $0.components(separatedBy: "\n") } ?? block
        return (lines + [""] + shown).joined(separator: "\n") + "\n"
    }

    /// The EXAMPLES blocks of every command, as written.
    static var allBlocks: [String] {
        func collect(_ command: ParsableCommand.Type) -> [String] {
            let discussion = command.configuration.discussion
            let own = discussion.range(of: heading).map { [String(discussion[$0.lowerBound...])] } ?? []
            return own + command.configuration.subcommands.flatMap(collect)
        }
        return collect(Hydrotool.self)
    }

    static func isHeading(_ line: String) -> Bool {
        guard let colon = line.firstIndex(of: ":"), line.first?.isUppercase == true else { return false }
        return line[..<colon].allSatisfy { $0.isUppercase || $0 == " " }
    }

    /// "hydrotool 0.1.0 (GDAL 3.6.2, PROJ 9.1.1)".
    static var versionLine: String {
        "\(Provenance.toolName) \(Provenance.version) (GDAL \(LibraryVersions.gdal), PROJ \(LibraryVersions.proj))"
    }
}
