import XCTest
@testable import Hydro

/// A transport slot keeps its reservoir and channel flag in one word and stays 16 bytes.
final class TransportSlotTests: XCTestCase {
    func testReservoirAndChannelComeBackAsGiven() {
        for reservoir in [-1, 0, 1, 2, 1000, (1 << 30) - 2] {
            for isChannel in [false, true] {
                let slot = TransportSlot(cell: 7, areaKm2: 12.5, reservoir: reservoir, isChannel: isChannel)
                XCTAssertEqual(Int(slot.reservoir), reservoir)
                XCTAssertEqual(slot.isChannel, isChannel)
                XCTAssertEqual(slot.cell, 7)
                XCTAssertEqual(slot.areaKm2, 12.5)
            }
        }
        XCTAssertEqual(MemoryLayout<TransportSlot>.stride, 16)
    }
}
