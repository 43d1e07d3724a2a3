import CandlewickCore
@testable import CandlewickGateway
import CandlewickTWS
import Testing

/// `MessageRateLimiter` driven by a hand-moved clock: the rolling-second cap, the order lane's
/// priority, FIFO within a lane, and a bracket's legs leaving together.
@Suite("Message rate limiter")
struct MessageRateLimiterTests {
    /// A message in the simulation: its lane and its place in that lane's arrival order.
    struct Msg: Equatable { let lane: MessagePriority; let seq: Int }

    /// Milliseconds as the limiter's nanoseconds.
    static func ms(_ x: Int) -> Int64 { Int64(x) * 1_000_000 }

    /// Drains everything that may leave at `now`, each stamped `now`.
    static func drain(_ l: inout MessageRateLimiter<Msg>, now: Int64) -> [Msg] {
        var out: [Msg] = []
        while case .send(let m) = l.next(now: now) {
            out.append(m)
            l.sent(at: now)
        }
        return out
    }

    @Test("a bracket's 3 legs leave back to back while the window has room (no 22 ms gaps)")
    func bracketTogether() {
        var l = MessageRateLimiter<Msg>(limit: 45)
        for i in 0..<3 { l.enqueue(Msg(lane: .order, seq: i), priority: .order) }
        let sent = Self.drain(&l, now: Self.ms(10_000))
        #expect(sent.map(\.seq) == [0, 1, 2])
        guard case .idle = l.next(now: Self.ms(10_000)) else { Issue.record("nothing should be left"); return }
    }

    @Test("data requests use 42 slots of 45 and are spaced 1/42 s apart (rounded up); orders right behind one are not")
    func dataSpaced() {
        var l = MessageRateLimiter<Msg>(limit: 45)
        #expect(l.dataLimit == 42 && l.dataSpacing == 23_809_524)
        for i in 0..<2 { l.enqueue(Msg(lane: .data, seq: i), priority: .data) }
        #expect(Self.drain(&l, now: 0).map(\.seq) == [0])
        guard case .wait(let until) = l.next(now: 1) else { Issue.record("the second data request waits"); return }
        #expect(until == 23_809_524)
        for i in 0..<3 { l.enqueue(Msg(lane: .order, seq: i), priority: .order) }
        #expect(Self.drain(&l, now: 1).map(\.lane) == [.order, .order, .order])
        #expect(Self.drain(&l, now: 23_809_525).map(\.seq) == [1])
    }

    @Test("under a data backlog that fills its share of every second, a bracket still leaves at once")
    func bracketUnderBacklog() {
        var l = MessageRateLimiter<Msg>(limit: 45)
        for i in 0..<500 { l.enqueue(Msg(lane: .data, seq: i), priority: .data) }
        var now: Int64 = 0
        var sent = 0
        while now < Self.ms(3000) {  // the writer, 1 ms ticks, for 3 s
            sent += Self.drain(&l, now: now).count
            now += Self.ms(1)
        }
        #expect(sent >= 3 * 41 && sent <= 3 * 42 + 1, "data runs at about its 42 a second, 1 ms ticks (sent \(sent))")
        for i in 0..<3 { l.enqueue(Msg(lane: .order, seq: i), priority: .order) }
        #expect(Self.drain(&l, now: now).map(\.lane) == [.order, .order, .order])
    }

    @Test("orders overtake queued data requests; FIFO within each lane")
    func ordersFirst() {
        var l = MessageRateLimiter<Msg>(limit: 5, orderReserve: 0, dataSpacing: 0)
        for i in 0..<20 { l.enqueue(Msg(lane: .data, seq: i), priority: .data) }
        // The window fills with data, then orders arrive behind 15 waiting data requests.
        #expect(Self.drain(&l, now: 0).map(\.seq) == [0, 1, 2, 3, 4])
        for i in 0..<3 { l.enqueue(Msg(lane: .order, seq: i), priority: .order) }
        guard case .wait(let until) = l.next(now: Self.ms(500)) else { Issue.record("the window is full"); return }
        #expect(until == Self.ms(1000))
        let next = Self.drain(&l, now: Self.ms(1000))
        #expect(next == [Msg(lane: .order, seq: 0), Msg(lane: .order, seq: 1), Msg(lane: .order, seq: 2),
                         Msg(lane: .data, seq: 5), Msg(lane: .data, seq: 6)])
    }

    @Test("a full window waits exactly until its oldest message is a second old")
    func fullWindowWaits() {
        var l = MessageRateLimiter<Msg>(limit: 3, orderReserve: 0, dataSpacing: 0)
        for i in 0..<4 { l.enqueue(Msg(lane: .data, seq: i), priority: .data) }
        for t in [Self.ms(0), Self.ms(200), Self.ms(400)] {
            guard case .send = l.next(now: t) else { Issue.record("room at \(t)"); return }
            l.sent(at: t)
        }
        guard case .wait(let until) = l.next(now: Self.ms(500)) else { Issue.record("must wait"); return }
        #expect(until == Self.ms(1000))
        guard case .wait = l.next(now: Self.ms(1000) - 1) else { Issue.record("still too early, by a nanosecond"); return }
        guard case .send(let m) = l.next(now: Self.ms(1000)) else { Issue.record("room at 1.0"); return }
        #expect(m.seq == 3)
    }

    @Test("random arrivals (seeded): never more than N in any rolling second, orders never wait behind data, FIFO per lane",
          arguments: [UInt64(1), 2, 3, 42, 2026])
    func property(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let limit = Int.random(in: 4...45, using: &rng)
        let spaced = Bool.random(using: &rng)
        var l = MessageRateLimiter<Msg>(limit: limit, orderReserve: Int.random(in: 0...3, using: &rng), dataSpacing: spaced ? nil : 0)
        var peak = RollingPeak()
        var now: Int64 = 0
        var nextSeq: [MessagePriority: Int] = [.order: 0, .data: 0]
        var expected: [MessagePriority: Int] = [.order: 0, .data: 0]
        var ordersWaiting = 0
        var total = 0
        var stamps: [Int64] = []
        for _ in 0..<3_000 {
            // Arrivals: a burst of data requests, a bracket, a cancel, or nothing.
            switch Int.random(in: 0..<10, using: &rng) {
            case 0...3:
                for _ in 0..<Int.random(in: 1...60, using: &rng) {
                    l.enqueue(Msg(lane: .data, seq: nextSeq[.data]!), priority: .data); nextSeq[.data]! += 1
                }
            case 4...5:
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    l.enqueue(Msg(lane: .order, seq: nextSeq[.order]!), priority: .order); nextSeq[.order]! += 1; ordersWaiting += 1
                }
            default: break
            }
            // The writer: sends what may leave, each write taking 0–3 ms, then time moves on.
            var steps = Int.random(in: 0...80, using: &rng)
            while steps > 0 {
                steps -= 1
                switch l.next(now: now) {
                case .send(let m):
                    #expect(m.seq == expected[m.lane]!, "FIFO within the \(m.lane) lane")
                    expected[m.lane]! += 1
                    if m.lane == .order { ordersWaiting -= 1 } else {
                        #expect(ordersWaiting == 0, "a data request left while an order waited")
                        if let last = stamps.last { #expect(now - last >= l.dataSpacing, "data requests are spaced") }
                    }
                    now += Int64.random(in: 0...3_000_000, using: &rng)
                    l.sent(at: now)
                    stamps.append(now)
                    let inWindow = peak.record(now)
                    if m.lane == .data { #expect(inWindow <= l.dataLimit, "data beyond its share of the window") }
                    total += 1
                case .wait(let until):
                    #expect(until > now)
                    now = Bool.random(using: &rng) ? until : now + Int64.random(in: 1...50_000_000, using: &rng)
                case .idle:
                    steps = 0
                }
            }
            now += Int64.random(in: 0...40_000_000, using: &rng)
        }
        #expect(total > limit * 20, "the simulation must saturate the window many times (sent \(total))")
        #expect(peak.peak <= limit, "at most \(limit) in a rolling second, saw \(peak.peak)")
        // Independent check of the same property: message i and message i+limit are ≥ 1 s apart.
        for i in stamps.indices.dropLast(limit) where stamps[i + limit] - stamps[i] < Self.ms(1000) {
            Issue.record("messages \(i) and \(i + limit) only \(stamps[i + limit] - stamps[i]) ns apart")
        }
        #expect(peak.peak == limit, "a saturated writer uses the whole window")
    }

    @Test("RollingPeak counts arrivals in the last second, the current one included")
    func rollingPeak() {
        var p = RollingPeak()
        for t in [0, 100, 500, 990] { p.record(Self.ms(t)) }
        #expect(p.peak == 4)
        #expect(p.record(Self.ms(1000)) == 4, "the message at 0 is exactly a second old: out of the window")
        #expect(p.record(Self.ms(1050)) == 5)
        #expect(p.peak == 5)
    }

    @Test("GatewayLink puts place, cancel and global cancel in the order lane; everything else in the data lane")
    func lanes() {
        #expect(GatewayLink.priority(of: .cancelOrder(orderId: 1, manualOrderCancelTime: "")) == .order)
        #expect(GatewayLink.priority(of: .reqGlobalCancel) == .order)
        #expect(GatewayLink.priority(of: .reqAllOpenOrders) == .data)
        #expect(GatewayLink.priority(of: .reqContractDetails(reqId: 1, contract: TWSContract(symbol: "AAPL"))) == .data)
    }

    @Test("every ib.max_messages_per_second the config allows (1…50) makes a writer (the order reserve shrinks below 4)")
    func smallLimits() {
        for n in [1, 2, 3, 4, 50] {
            let link = GatewayLink(host: "127.0.0.1", port: 1, clientId: 1, timeout: 1, maxMessagesPerSecond: n,
                                   onEvent: { _ in }, onDown: { _, _ in })
            #expect(link.maxMessagesPerSecond == n)
        }
    }
}
