import Foundation
import XCTest
@testable import Hydro

/// CSV injection (OWASP): text a spreadsheet would run as a formula is made inert; numbers are not touched.
final class CSVWriterTests: XCTestCase {
    func testFormulaLikeCellsAreNeutralised() throws {
        let text = CSVWriter.text(header: ["name", "value"], rows: [
            ["=HYPERLINK(\"http://x\",\"y\")", "1"], ["+1+1", "-3.5"], ["-cmd", "+0.25"], ["@SUM(A1)", "1e-3"],
            ["\tTab", "2"], ["plain, with comma", "x"], ["赤水市", "-0"],
        ])
        let table = try CSVTable.parse(text, file: "t.csv")
        XCTAssertEqual(table.rows.map { $0[0] }, ["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-cmd", "'@SUM(A1)", "'\tTab".trimmingCharacters(in: .whitespaces), "plain, with comma", "赤水市"])
        XCTAssertEqual(table.rows.map { $0[1] }, ["1", "-3.5", "+0.25", "1e-3", "2", "x", "-0"])
        // Every neutralised cell is quoted and starts with an apostrophe inside the quotes.
        XCTAssertTrue(text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""), text)
        XCTAssertTrue(text.contains("\"'+1+1\",-3.5"), text)
    }
}
