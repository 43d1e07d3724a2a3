import CandlewickBus
import CandlewickTesting
import CandlewickCore
import Foundation
import Testing

@Suite("Bus over the in-memory hub")
struct InMemoryBusTests {
    @Test func publishesTypedEnvelopesWithSequence() async throws {
        let hub = InMemoryHub()
        let sub = BusSubscriber(source: hub.subscribe(), logger: testLogger)
        let messages = sub.messages()
        let pub = BusPublisher(source: "test.1", sink: hub.sink())
        try pub.publish(probe(1), runId: "run-1")
        let sig = try TradingSignal(symbol: "AAPL", action: .hold, confidence: .low, confidenceScore: 10, reasoning: "flat",
                                    timestamp: Date(timeIntervalSince1970: 0))
        let header = try pub.publish(sig, causationId: "cause-9")
        var it = messages.makeAsyncIterator()
        let m1 = try #require(await it.next())
        let m2 = try #require(await it.next())
        #expect(m1.header.seq == 1 && m2.header.seq == 2)
        #expect(m1.header.runId == "run-1" && m1.header.source == "test.1")
        #expect(m1.payload(as: Probe.self)?.body == "hello")
        #expect(m2.payload(as: TradingSignal.self) == sig)
        #expect(m2.header.causationId == "cause-9" && m2.header.id == header.id)
        #expect(sub.stats.accepted == 2 && sub.stats.rejectedTotal == 0)
    }

    @Test func topicPrefixFilters() async throws {
        let hub = InMemoryHub()
        let messages = BusSubscriber(source: hub.subscribe(prefixes: ["heart"]), logger: testLogger).messages()
        let pub = BusPublisher(source: "p", sink: hub.sink())
        try pub.publish(probe(1))
        let hb = try Heartbeat(process: "x", instance: "x.1", pid: 1, host: "h", startedAt: Date(), state: "running", intervalS: 1)
        try pub.publish(hb)
        let first = try #require(try await next(messages))
        #expect(first.header.type == "heartbeat")
    }

    @Test func attachmentsTravelAsFrames() throws {
        let png = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        var sent: [[Data]] = []
        struct Capture: FrameSink { let box: @Sendable ([Data]) -> Void; func send(_ f: [Data]) throws { box(f) } }
        let collected = LockedFrames()
        let pub = BusPublisher(source: "p", sink: Capture { collected.append($0) })
        try pub.publish(probe(1), attachments: [Attachment(name: "daily.png", contentType: "image/png", data: png)])
        sent = collected.all
        #expect(sent[0].count == 3)
        #expect(sent[0][2] == png)
        let message = try FrameCodec().decode(sent[0])
        #expect(message.attachments == [png])
        #expect(message.header.attachments[0].sha256 == SHA256Digest.hex(of: png))
        #expect(!String(decoding: sent[0][1], as: UTF8.self).contains(png.base64EncodedString().prefix(20)))
    }

    @Test func gapIsDetectedAndReported() async throws {
        let hub = InMemoryHub()
        let sub = BusSubscriber(source: hub.subscribe(), logger: testLogger)
        let events = sub.events()
        let dropper = DroppingSink(inner: hub.sink(), drop: [3, 4])
        let pub = BusPublisher(source: "lossy", sink: dropper)
        for n in 1...6 { try pub.publish(probe(n)) }
        hub.close()
        var gaps: [(UInt64, UInt64, UInt64)] = []
        var seqs: [UInt64] = []
        for await e in events {
            switch e {
            case .gap(_, let expected, let got, let missing): gaps.append((expected, got, missing))
            case .message(let m): seqs.append(m.header.seq)
            case .rejected: Issue.record("unexpected rejection")
            }
        }
        #expect(seqs == [1, 2, 5, 6])
        #expect(gaps.count == 1 && gaps[0] == (3, 5, 2))
        #expect(sub.stats.gaps == 1 && sub.stats.missing == 2)
    }

    /// A subscriber to some topics only (heartbeats) sees a publisher's other messages as holes in its
    /// sequence: with `detectGaps: false` they are not reported (the run owner, `candlewick status`).
    @Test func topicSubscriberReportsNoGaps() async throws {
        let hub = InMemoryHub()
        let sub = BusSubscriber(source: hub.subscribe(), logger: testLogger, detectGaps: false)
        let events = sub.events()
        let pub = BusPublisher(source: "lossy", sink: DroppingSink(inner: hub.sink(), drop: [3, 4]))
        for n in 1...6 { try pub.publish(probe(n)) }
        hub.close()
        var seqs: [UInt64] = []
        for await e in events {
            switch e {
            case .gap: Issue.record("a gap was reported")
            case .message(let m): seqs.append(m.header.seq)
            case .rejected: Issue.record("unexpected rejection")
            }
        }
        #expect(seqs == [1, 2, 5, 6] && sub.stats.gaps == 0 && sub.stats.accepted == 4)
    }
}

@Suite("Frame codec rejections")
struct FrameCodecTests {
    let codec = FrameCodec(maxMessageBytes: 10_000)

    func frames(_ json: String, topic: String = "bus.probe", extra: [Data] = []) -> [Data] {
        [Data(topic.utf8), Data(json.utf8)] + extra
    }

    let good = #"{"v":1,"id":"a","type":"bus.probe","source":"py","seq":1,"ts":"2024-01-01T00:00:00Z","payload":{"n":1,"body":"x"}}"#

    func reason(_ f: [Data]) -> RejectionReason? {
        do {
            _ = try codec.decode(f)
            return nil
        } catch let r as BusRejection {
            #expect(!r.detail.isEmpty)
            return r.reason
        } catch {
            return nil
        }
    }

    @Test func acceptsForeignButValidEnvelope() throws {
        let m = try codec.decode(frames(good))
        #expect(m.payload(as: Probe.self)?.n == 1)
    }

    @Test func rejectsEachKindOfBadFrame() {
        #expect(reason([Data("bus.probe".utf8)]) == .badFraming)
        #expect(reason(frames(good, topic: "signal")) == .badFraming)
        #expect(reason(frames("not json")) == .notEnvelope)
        #expect(reason(frames(#"{"v":2,"id":"a","type":"bus.probe","source":"s","seq":1,"ts":"2024-01-01T00:00:00Z","payload":{}}"#)) == .notEnvelope)
        #expect(reason(frames(good.replacingOccurrences(of: "\"seq\":1", with: "\"seq\":0"))) == .notEnvelope)
        #expect(reason(frames(good.replacingOccurrences(of: "bus.probe", with: "bus.nope"), topic: "bus.nope")) == .unknownType)
        #expect(reason(frames(good.replacingOccurrences(of: "\"n\":1", with: "\"n\":-1"))) == .invalidPayload)
        #expect(reason(frames(good.replacingOccurrences(of: "\"n\":1", with: "\"n\":\"one\""))) == .invalidPayload)
        #expect(reason(frames(good, extra: [Data([1, 2])])) == .attachmentMismatch)
        #expect(reason(frames(good, extra: [Data(count: 20_000)])) == .oversized)
    }

    @Test func invalidPayloadNamesTheField() {
        let bad = #"{"v":1,"id":"a","type":"signal","source":"py","seq":1,"ts":"2024-01-01T00:00:00Z","payload":{"signal_id":"s","symbol":"AAPL","action":"BUY","confidence":"HIGH","confidence_score":30,"reasoning":"r","timestamp":"2024-01-01T00:00:00Z"}}"#
        do {
            _ = try codec.decode(frames(bad, topic: "signal"))
            Issue.record("accepted an invalid signal")
        } catch let r as BusRejection {
            #expect(r.reason == .invalidPayload)
            #expect(r.detail.contains("confidence_score"))
        } catch {
            Issue.record("\(error)")
        }
    }
}

/// Drops the messages with the given sequence numbers (1-based send order).
final class DroppingSink: FrameSink, @unchecked Sendable {
    let inner: any FrameSink
    let drop: Set<Int>
    private let lock = NSLock()
    private var n = 0

    init(inner: any FrameSink, drop: Set<Int>) {
        self.inner = inner
        self.drop = drop
    }

    func send(_ frames: [Data]) throws {
        let k = lock.withLock { () -> Int in n += 1; return n }
        if !drop.contains(k) { try inner.send(frames) }
    }
}

final class LockedFrames: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[Data]] = []
    func append(_ f: [Data]) { lock.withLock { items.append(f) } }
    var all: [[Data]] { lock.withLock { items } }
}
