import XCTest
@testable import Hydro

final class ReproducibleSumTests: XCTestCase {
    func testHandCases() {
        // Ten times the Double nearest 0.1 is 1.000000000000000055…, nearest Double 1; a running sum gives 0.9999999999999999.
        XCTAssertEqual(ReproducibleSum([Double](repeating: 0.1, count: 10)).value, 1)
        XCTAssertEqual([Double](repeating: 0.1, count: 10).reduce(0, +), 0.9999999999999999)
        // 1e16 + 1 − 1e16 is 1 (a running Double sum loses the 1).
        XCTAssertEqual(ReproducibleSum([1e16, 1, -1e16]).value, 1)
        XCTAssertEqual([1e16, 1, -1e16].reduce(0, +), 0)
        // Each term is rounded to 2⁻⁶⁰ before it is added: 2⁻⁶² vanishes, 1.5·2⁻⁶⁰ becomes 2·2⁻⁶⁰ and
        // 2.5·2⁻⁶⁰ becomes 2·2⁻⁶⁰ (ties to even), so these sum to 4 and 6 units, not 3 and 5.
        XCTAssertEqual(ReproducibleSum([0x1p-62]).value, 0)
        XCTAssertEqual(ReproducibleSum([0x1.8p-60, 0x1.8p-60]).value, 0x1p-58)
        XCTAssertEqual(ReproducibleSum([0x1.8p-60, 0x1.8p-60, 0x1.4p-59]).value, 0x1.8p-58)
        XCTAssertEqual(ReproducibleSum([-2.5, 0.75]).value, -1.75)
        XCTAssertEqual(ReproducibleSum().value, 0)
        // The conversion agrees with Int128's own around 2⁶⁴ units (16 kg/yr) and at the range's ends.
        for v in [16.0, 16.0.nextDown, 16.0.nextUp, 0x1.fffffffffffffp3, 12345.678, 6.9e19, 1e-18, 3.3e-19] {
            for x in [v, -v] { XCTAssertEqual(ReproducibleSum.units(of: x), Int128((x * 0x1p60).rounded(.toNearestOrEven)), "\(x)") }
        }
    }

    /// The exact path read from a term's bits (|value| ≥ 2⁻⁸) and the rounding path below it give
    /// Int128's own conversion of value · 2⁶⁰ at every binary exponent of the range, at both ends
    /// of each binade, and nil from 2⁶⁶ on.
    func testUnitsFromBitsAgreeWithInt128AcrossTheRange() {
        var rng = SeededGenerator(seed: 11)
        for e in -80...65 {
            let low = Double(sign: .plus, exponent: e, significand: 1)
            for v in [low, low.nextUp, 2 * low.nextDown, low * (1 + rng.unit()), low * (1 + rng.unit())] {
                for x in [v, -v] {
                    XCTAssertEqual(ReproducibleSum.units(of: x), Int128((x * 0x1p60).rounded(.toNearestOrEven)), "\(x)")
                }
            }
        }
        XCTAssertEqual(ReproducibleSum.units(of: 0), 0)
        XCTAssertEqual(ReproducibleSum.units(of: -0.0), 0)
        XCTAssertEqual(ReproducibleSum.units(of: .leastNonzeroMagnitude), 0)
        XCTAssertEqual(ReproducibleSum.units(of: 0x1p-8), 1 << 52)
        XCTAssertEqual(ReproducibleSum.units(of: 0x1p66.nextDown), Int128(0x1f_ffff_ffff_ffff) << 73)
        XCTAssertNil(ReproducibleSum.units(of: 0x1p66))
        XCTAssertNil(ReproducibleSum.units(of: -0x1p66))
        XCTAssertNil(ReproducibleSum.units(of: .greatestFiniteMagnitude))
    }

    func testOrderAndGroupingDoNotChangeTheBits() {
        var rng = SeededGenerator(seed: 4)
        let terms = (0..<5000).map { _ in (rng.unit() - 0.3) * pow(10, rng.unit() * 12 - 6) }
        let reference = ReproducibleSum(terms).value
        var differentRunningSums = Set<UInt64>()
        var shuffled = terms
        for _ in 0..<20 {
            shuffled.shuffle(using: &rng)
            XCTAssertEqual(ReproducibleSum(shuffled).value.bitPattern, reference.bitPattern)
            differentRunningSums.insert(shuffled.reduce(0, +).bitPattern)
            // Partial sums of uneven chunks, merged in another order.
            var parts: [ReproducibleSum] = []
            var i = 0
            while i < shuffled.count {
                let n = 1 + Int(rng.next() % 700)
                parts.append(ReproducibleSum(shuffled[i..<min(shuffled.count, i + n)]))
                i += n
            }
            var merged = ReproducibleSum()
            for p in parts.reversed() { merged += p }
            XCTAssertEqual(merged.value.bitPattern, reference.bitPattern)
        }
        XCTAssertGreaterThan(differentRunningSums.count, 1, "a running Double sum does depend on the order")
        // Against an exact sum in 2⁻⁶⁰ units computed independently with Decimal-free integer arithmetic.
        var exact: Int128 = 0
        for t in terms { exact += Int128((t * 0x1p60).rounded(.toNearestOrEven)) }
        XCTAssertEqual(reference, Double(exact) * 0x1p-60)
    }

    func testRangeAndNonFiniteTerms() {
        XCTAssertTrue(ReproducibleSum([1e20]).value.isNaN, "beyond 2⁶⁶ the sum says so instead of wrapping")
        XCTAssertEqual(ReproducibleSum([7e19]).value, 7e19)
        var near = ReproducibleSum([7e19]); near += 7e19
        XCTAssertTrue(near.value.isNaN)
        XCTAssertEqual(ReproducibleSum([1, .infinity, 2]).value, .infinity)
        XCTAssertTrue(ReproducibleSum([.infinity, 1, -.infinity]).value.isNaN)
        XCTAssertTrue(ReproducibleSum([.nan, 1]).value.isNaN)
        var a = ReproducibleSum([.infinity]), b = ReproducibleSum([-.infinity])
        a += b
        XCTAssertTrue(a.value.isNaN)
        b += ReproducibleSum([3])
        XCTAssertEqual(b.value, -.infinity)
    }

    func testMessageRoundTrip() throws {
        for sum in [ReproducibleSum([-123.456, 1e-12]), ReproducibleSum([6e19]), ReproducibleSum([1e20]), ReproducibleSum([.infinity])] {
            var w = ByteWriter()
            sum.write(to: &w)
            var r = ByteReader(w.bytes)
            let back = try ReproducibleSum.read(from: &r)
            XCTAssertEqual(back.units, sum.units)
            XCTAssertEqual(back.overflowed, sum.overflowed)
            XCTAssertEqual(back.value.bitPattern, sum.value.bitPattern)
        }
    }
}
