import CandlewickCore
@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

/// The broker's time through the desk: `broker.time` (one reqCurrentTime for every caller waiting) and
/// the snapshot's `ib_time`.
@Suite("Order desk: the broker's time")
struct OrderDeskTimeTests {
    static let ib = Date(timeIntervalSince1970: Double(DeskHarness.ibTime))

    @Test("a snapshot carries IB's time from reqCurrentTime, not the bridge's clock")
    func snapshotTime() throws {
        var h = DeskHarness()
        let id = h.request { .snapshotRequested($0) }
        h.drain()
        guard case .snapshot(let s) = h.replies[id] else { Issue.record("no snapshot: \(String(describing: h.replies[id]))"); return }
        #expect(s.ibTime == Self.ib && s.takenAt == h.now)
        #expect(h.sent.contains { if case .reqCurrentTime = $0 { true } else { false } })
    }

    @Test("a snapshot whose reqCurrentTime is never answered does not complete")
    func snapshotWaitsForTime() throws {
        var h = DeskHarness()
        h.answersTime = false
        let id = h.request { .snapshotRequested($0) }
        h.drain()
        #expect(h.replies[id] == nil)
        h.expireTimers()
        #expect(try #require(h.failure(id)).message.contains("did not complete"))
    }

    @Test("time requests asked together share one reqCurrentTime and all get IB's answer")
    func timeShared() throws {
        var h = DeskHarness()
        h.answersTime = false
        let a = h.request { .timeRequested($0) }
        let b = h.request { .timeRequested($0) }
        #expect(h.sent.filter { if case .reqCurrentTime = $0 { true } else { false } }.count == 1)
        h.send(.tws(.currentTime(DeskHarness.ibTime)))
        for id in [a, b] {
            guard case .time(let t) = h.replies[id] else { Issue.record("request \(id) not answered"); continue }
            #expect(t == Self.ib)
        }
        #expect(h.timers.isEmpty && h.desk.openRequests == 0)
    }

    @Test("no answer in time, or the connection drops: the caller gets an error naming why")
    func timeFailures() throws {
        var h = DeskHarness()
        h.answersTime = false
        let late = h.request { .timeRequested($0) }
        h.expireTimers()
        #expect(try #require(h.failure(late)).message.contains("reqCurrentTime"))
        let dropped = h.request { .timeRequested($0) }
        h.reconnect()
        #expect(try #require(h.failure(dropped)).message.contains("connection to IB lost"))
        #expect(h.timers.isEmpty && h.desk.openRequests == 0)
    }
}
