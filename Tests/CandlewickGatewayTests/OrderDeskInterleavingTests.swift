import CandlewickCore
@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

/// A small seeded generator (SplitMix64): the same seed gives the same interleaving.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("OrderDeskState: seeded random interleavings")
struct OrderDeskInterleavingTests {
    static let plans = (1...4).map { DeskHarness.bracket("s\($0)", symbol: ["AAPL", "MSFT"][$0 % 2]) }

    /// Checks what must hold after every step.
    static func check(_ h: DeskHarness, seed: UInt64, refused: [Int: Set<String>]) {
        for (epoch, writes) in h.writes {
            var seen: Set<String> = []
            for w in writes where !(refused[epoch] ?? []).contains(where: { w.ref.hasPrefix($0 + "-") }) {
                #expect(seen.insert(w.ref).inserted, "seed \(seed): \(w.ref) written twice on connection \(epoch)")
            }
        }
        for (_, reply) in h.replies {
            guard case .placed(.success(let ack)) = reply, let epoch = ack.connectionEpoch else { continue }
            for (ref, id) in ack.brokerIds {
                #expect(h.reported[epoch]?.contains("\(ref)#\(id)") == true,
                        "seed \(seed): ack for \(ref)#\(id) that IB did not report on connection \(epoch)")
            }
            #expect(ack.brokerIds.count == 3, "seed \(seed): an ack for some legs only")
        }
    }

    @Test("random requests, IB messages, write outcomes, timers and drops: no ref written twice on a connection, no ack for an unreported leg, every request answered, no timer left", arguments: 1...60)
    func interleaving(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed))
        var h = DeskHarness()
        var refused: [Int: Set<String>] = [:]
        let modes: [DeskHarness.WriteMode] = [.report, .report, .report, .report, .silent, .refuse, .cutAfterFirst]
        func noteRefusals(_ h: DeskHarness, _ before: Set<DeskRequestId>, _ refused: inout [Int: Set<String>]) {
            for (id, reply) in h.replies where !before.contains(id) {
                if case .placed(.failure(let no)) = reply, no.code != nil { refused[h.ibEpoch, default: []].insert(no.intentId) }
            }
        }
        for _ in 0..<250 {
            let before = Set(h.replies.keys)
            h.writeMode = modes.randomElement(using: &rng)!
            if h.dropRequested {
                h.reconnect()
            } else {
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<18: _ = h.place(Self.plans.randomElement(using: &rng)!)
                case 18..<60: if !h.inbox.isEmpty { h.send(h.inbox.removeFirst()) }
                case 60..<80: if !h.completions.isEmpty { h.send(h.completions.removeFirst()) }
                case 80..<88:
                    if let t = h.timers.randomElement(using: &rng) {
                        h.timers.remove(t)
                        h.now += h.desk.timeout
                        h.send(.timerFired(t))
                    }
                case 88..<93: _ = h.request { .snapshotRequested($0) }
                case 93..<96: h.reconnect()
                default: if let o = h.held.values.randomElement(using: &rng) {
                    // IB changes an order's status on its own (a fill, a cancel).
                    h.inbox.append(.tws(.orderStatus(DeskHarness.status(o.orderId, ["Submitted", "Filled", "Cancelled"].randomElement(using: &rng)!, clientId: 7))))
                }
                }
            }
            noteRefusals(h, before, &refused)
            Self.check(h, seed: UInt64(seed), refused: refused)
        }
        // Quiesce: deliver everything, let every timer run out.
        h.writeMode = .report
        for _ in 0..<10 {
            let before = Set(h.replies.keys)
            if h.dropRequested { h.reconnect() }
            h.drain()
            h.expireTimers()
            noteRefusals(h, before, &refused)
        }
        Self.check(h, seed: UInt64(seed), refused: refused)
        #expect(h.replies.count == h.nextRequest, "seed \(seed): \(h.nextRequest - h.replies.count) requests never answered")
        #expect(h.timers.isEmpty && h.desk.openRequests == 0, "seed \(seed): timers \(h.timers) or requests left")
    }
}

@Suite("OrderDeskState: a real intent journal replayed through the desk")
struct OrderDeskReplayTests {
    @Test("the run's two brackets get the ids IB gave them; after the router's restart both are answered as duplicates from the new connection; the fills are published")
    func replay() throws {
        let entries = try BracketMappingReplayTests.journal()
        var h = DeskHarness()
        var requests: [String: DeskRequestId] = [:]
        for e in entries {
            switch e.kind {
            case .planned:
                requests[try #require(e.intentId)] = h.place(try #require(e.plan))
            case .placed:
                h.drain()
                let request = try #require(requests[e.intentId ?? ""])
                let ack = try #require(h.ack(request), "\(e.intentId ?? "-") not acked")
                #expect(ack.brokerIds == e.brokerIds && !ack.duplicate)
            case .filled:
                let (ref, id) = try #require(e.brokerIds?.first)
                h.published = []
                h.send(.tws(.orderStatus(DeskHarness.status(id, "Filled", clientId: 7, filled: 10))))
                #expect(h.published.map(\.orderRef) == [ref] && h.published.first?.status == "Filled")
            default:
                break
            }
        }
        // order-router restarted and asks again: the new connection's snapshot answers, nothing is written.
        h.reconnect()
        let plans = entries.compactMap(\.plan)
        let again = plans.map { h.place($0) }
        h.drain()
        for (plan, id) in zip(plans, again) {
            let ack = try #require(h.ack(id))
            let placed = entries.first { $0.kind == .placed && $0.intentId == plan.intentId }?.brokerIds
            #expect(ack.duplicate && ack.brokerIds == placed && ack.connectionEpoch == 2)
        }
        #expect(h.writes[2] == nil && h.writes[1]?.count == 6)
    }
}
