import Foundation
import XCTest
@testable import Hydro

final class MoneyTests: XCTestCase {
    func testRoundingToTheFenTakesHalvesAwayFromZero() throws {
        XCTAssertEqual(try Money.fen(12345.675, at: "t"), 1_234_568, "12345.675 is 1234567.4999… fen in binary, an exact half as written")
        XCTAssertEqual(try Money.fen(0.125, at: "t"), 13)
        XCTAssertEqual(try Money.fen(-0.125, at: "t"), -13)
        XCTAssertEqual(try Money.fen(0.124, at: "t"), 12)
        XCTAssertEqual(try Money.fen(1e12 + 0.003, at: "t"), 100_000_000_000_000, "a large amount is not pulled to a half fen")
        XCTAssertEqual(try Money.fen(70_000_000 * 0.3 / 3, at: "t"), 700_000_000)
        XCTAssertEqual(try Money.fen(100_000 * (1 + (0.6 - 0.5) / 0.5), at: "t"), 12_000_000, "0.19999999999999996 of a ratio is still 120000.00")
        XCTAssertEqual(try Money.fen(7_000_000.0 / 3, at: "t"), 233_333_333)
        XCTAssertThrowsError(try Money.fen(.nan, at: "scheme.toml:9")) { XCTAssertTrue("\($0)".hasPrefix("scheme.toml:9:"), "\($0)") }
        XCTAssertThrowsError(try Money.fen(1e13, at: "t"))
    }

    func testLargestRemainderSplitsSumExactlyAndBreakTiesByCode() {
        // 7,000,000.00 three ways: one fen is left over after 2,333,333.33 each; the smallest code takes it.
        let thirds = Money.split(700_000_000, by: [("530000", 1), ("510000", 1), ("520000", 1)])
        XCTAssertEqual(thirds.map(\.key), ["530000", "510000", "520000"], "parts come back in the order given")
        XCTAssertEqual(thirds.map(\.fen), [233_333_333, 233_333_334, 233_333_333])
        // Weights written as decimals are exact: 1.00 by 0.1 : 0.2 : 0.7 is 10 : 20 : 70 (not 10 : 20 : 69 + 1 by noise).
        XCTAssertEqual(Money.split(100, by: [("a", 0.1), ("b", 0.2), ("c", 0.7)]).map(\.fen), [10, 20, 70])
        // Equal shares written as 1/3 (not a short decimal) tie exactly too.
        XCTAssertEqual(Money.split(200, by: [("b", 1.0 / 3), ("a", 1.0 / 3), ("c", 1.0 / 3)]).map(\.fen), [67, 67, 66])
        // Remainders 1/3 and 2/3 of a fen: the larger remainder takes the fen, whatever the codes.
        XCTAssertEqual(Money.split(10, by: [("a", 1.0 / 3), ("b", 2.0 / 3)]).map(\.fen), [3, 7])
        XCTAssertEqual(Money.split(1, by: [("b", 1), ("a", 1)]).map(\.fen), [0, 1])
        XCTAssertEqual(Money.split(5, by: [("a", 0), ("b", 2)]).map(\.fen), [0, 5])
        XCTAssertEqual(Money.split(5, by: [("a", 0), ("b", 0)]).map(\.fen), [3, 2], "no positive weight: equal parts, none lost")
        // Random splits: the parts sum to the whole and each is within a fen of its exact share.
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<500 {
            let fen = Int64(rng.next() % 10_000_000_000_000)
            let n = Int(rng.next() % 6) + 1
            let weights = (0..<n).map { ("p\($0)", rng.unit() * 10 + 0.001) }
            let parts = Money.split(fen, by: weights)
            XCTAssertEqual(parts.reduce(0) { $0 + $1.fen }, fen)
            let total = weights.reduce(0) { $0 + $1.1 }
            for (part, w) in zip(parts, weights) {
                XCTAssertLessThan(abs(Double(part.fen) - Double(fen) * w.1 / total), 1 + 1e-6 * Double(fen) / 1e10)
            }
        }
    }

    func testLedgerJSONHoldsTheFenAsPlainDecimalNumbers() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (fen, text) in [(Int64(233_333_334), "2333333.34"), (6_666_666_667, "66666666.67"), (1, "0.01"), (7_500_000, "75000"),
                            (Money.limit - 1, "9999999999999.99"), (-2_876_544, "-28765.44")] {
            var entry = LedgerEntry(period: "2024", section: "S", payer: "A", payee: "B", fen: fen, rule: "r", measured: "", target: "",
                                    excess: "", shares: "")
            entry.payerName = "甲"
            let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
            XCTAssertTrue(json.contains("\"amount\":\(text),"), json)
            let back = try JSONDecoder().decode(LedgerEntry.self, from: Data(json.utf8))
            XCTAssertEqual(back, entry)
        }
        XCTAssertThrowsError(try JSONDecoder().decode(LedgerEntry.self, from: Data(#"{"period":"","section":"","payer":"","payee":"","amount":1e20,"rule":"","measured":"","target":"","excess":"","shares":""}"#.utf8)))
    }

    func testFiguresInRuleTextsAreShortPlainDecimals() {
        XCTAssertEqual(fmtShort(21_380.4), "21380")
        XCTAssertEqual(fmtShort(373_100.75), "373101")
        XCTAssertEqual(fmtShort(0.6092), "0.6092")
        XCTAssertEqual(fmtShort(0.000_123_4), "0.0001234")
        XCTAssertEqual(fmtShort(12.5), "12.5")
        XCTAssertEqual(fmtShort(100 * (0.6 - 0.5) / 0.5), "20")
        XCTAssertEqual(fmtShort(-7), "-7")
    }

    func testAmountsAreWrittenInPlainDecimal() {
        XCTAssertEqual(Money.text(123_456_789), "1234567.89")
        XCTAssertEqual(Money.text(-5), "-0.05")
        XCTAssertEqual(Money.text(0), "0.00")
        XCTAssertEqual(Money.text(Money.limit - 1), "9999999999999.99")
        XCTAssertEqual(Money.grouped(20_000_000_000), "200,000,000.00")
        XCTAssertEqual(Money.grouped(-123_456), "-1,234.56")
        XCTAssertEqual(Money.grouped(99), "0.99")
        // A whole number of fen read back from a JSON double is the same number of fen.
        for fen: Int64 in [1, 233_333_334, 6_666_666_667, 99_999_999_999_999] {
            XCTAssertEqual(Money.fen(readBack: Money.yuan(fen)), fen)
            XCTAssertEqual(String(format: "%.2f", Money.yuan(fen)), Money.text(fen))
        }
    }
}
