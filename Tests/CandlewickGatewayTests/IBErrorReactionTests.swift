@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

/// The table of docs/tws.md "gateway-bridge's reaction", one row per error class IB (and ib-paper) sends.
@Suite("IB error reactions")
struct IBErrorReactionTests {
    @Test("each error class has its reaction", arguments: [
        (162, "Historical Market Data Service error message:Historical data request pacing violation (identical request within 15 seconds)",
         IBErrorReaction.retryLater(seconds: 2)),
        (420, "Invalid Real-time Query:Historical data request pacing violation", .retryLater(seconds: 2)),
        (162, "Historical Market Data Service error message:HMDS query returned no data: AAPL@SMART Midpoint", .failRequest),
        (321, "Error validating request.-'bP' : cause - Historical data requests for durations longer than 365 days must be made in years.", .failRequest),
        (434, "The order size cannot be zero", .failRequest),
        (322, "Error processing request:-'bS' : cause - Only 50 simultaneous API historical data requests allowed.", .retryLater(seconds: 2)),
        (322, "Error processing request:-'bS' : cause - Duplicate ticker ID for API historical data query", .failRequest),
        (354, "Requested market data is not subscribed.", .failRequest),
        (200, "No security definition has been found for the request", .failRequest),
        (201, "Order rejected - reason:", .failRequest),
        (10147, "OrderId 12 that needs to be cancelled is not found.", .resync(dropBeliefs: false)),
        (1100, "Connectivity between IB and Trader Workstation has been lost.", .notice(.warning)),
        (1101, "Connectivity between IB and Trader Workstation has been restored - data lost.", .resync(dropBeliefs: true)),
        (1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.", .resync(dropBeliefs: false)),
        (2103, "Market data farm connection is broken:usfarm", .notice(.warning)),
        (2105, "HMDS data farm connection is broken:ushmds", .notice(.warning)),
        (2157, "Sec-def data farm connection is broken:secdefil", .notice(.warning)),
        (2104, "Market data farm connection is OK:usfarm", .notice(.info)),
        (2106, "HMDS data farm connection is OK:ushmds", .notice(.info)),
        (2158, "Sec-def data farm connection is OK:secdefil", .notice(.info)),
        (2174, "Warning: You submitted request with date-time attributes without explicit time zone.", .notice(.info)),
        (202, "Order Canceled - reason:", .notice(.info)),
    ] as [(Int, String, IBErrorReaction)])
    func table(code: Int, message: String, reaction: IBErrorReaction) {
        #expect(IBErrorReaction.of(TWSError(id: 1, code: code, message: message)) == reaction)
    }

    @Test("1101 (data lost) drops what was believed of IB's orders, as a reconnect does; the next placement asks a fresh snapshot")
    func dataLostDropsBeliefs() throws {
        var h = DeskHarness()
        let plan = DeskHarness.bracket("s1")
        _ = h.placeAndDrain(plan, .report)
        #expect(h.desk.orders.count == 3 && h.desk.isSynced)
        h.send(.tws(.error(TWSError(id: -1, code: 1101, message: "Connectivity between IB and Trader Workstation has been restored - data lost."))))
        #expect(h.desk.orders.isEmpty && !h.desk.isSynced && h.logs.contains("gateway.belief_dropped"))
        let sentBefore = h.sent.count
        let again = h.place(plan)
        #expect(h.placed(again) == nil && h.sent.count > sentBefore, "a snapshot is asked first")
        h.drain()
        #expect(h.ack(again)?.duplicate == true, "answered from the fresh snapshot, never written twice")
        #expect(h.writes[1]?.count == 3)
    }

    @Test("1100 and 1102 keep the beliefs (1102's fresh snapshot comes from the re-sync path)", arguments: [1100, 1102, 2103])
    func otherConnectivityKeepsBeliefs(code: Int) {
        var h = DeskHarness()
        _ = h.placeAndDrain(DeskHarness.bracket("s1"), .report)
        h.send(.tws(.error(TWSError(id: -1, code: code, message: "connectivity"))))
        #expect(h.desk.orders.count == 3 && h.desk.isSynced)
    }

    @Test("a notice on a leg being placed (2109) refuses nothing: the intent is acknowledged; a 201 on it is a rejection")
    func noticeOnPlacingLeg() throws {
        for (code, refused) in [(2109, false), (201, true)] {
            var h = DeskHarness()
            let id = h.place(DeskHarness.bracket("s1"))
            while h.writes.isEmpty { h.send(h.inbox.removeFirst()) }
            let leg = try #require(h.writes[1]?.first)
            h.send(.tws(.error(TWSError(id: leg.id, code: code, message: "Order Event Warning / rejected"))))
            h.drain()
            #expect((h.rejection(id)?.code == code) == refused && (h.ack(id) != nil) == !refused, "code \(code)")
        }
    }
}
