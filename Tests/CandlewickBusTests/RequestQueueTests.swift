@testable import CandlewickBus
import CandlewickCore
import Foundation
import Testing

/// The queue between a ROUTER socket's thread and the task serving its requests.
@Suite("Request queue")
struct RequestQueueTests {
    private func request(_ n: Int) throws -> IncomingRequest {
        let header = try EnvelopeHeader(type: Probe.messageType, source: "client", seq: UInt64(n + 1), ts: Date())
        let codec = FrameCodec()
        let message = try codec.decode(try codec.encode(Envelope(header: header, payload: try Probe(n: n, body: "q"))))
        return IncomingRequest(message: message, peer: Data([UInt8(n)]), role: nil)
    }

    private func number(_ r: IncomingRequest?) -> Int? { r?.message.payload(as: Probe.self)?.n }

    @Test func handsOutRequestsInArrivalOrderThenNilOnceFinished() async throws {
        let queue = RequestQueue()
        for n in 0..<5 { queue.push(try request(n)) }
        #expect(number(await queue.next()) == 0)
        #expect(number(await queue.next()) == 1)
        queue.push(try request(5))
        queue.finish()
        queue.push(try request(6))  // after finish: dropped
        var rest: [Int] = []
        while let r = await queue.next() { rest.append(number(r) ?? -1) }
        #expect(rest == [2, 3, 4, 5])
        #expect(await queue.next() == nil)
    }

    @Test func aWaitingConsumerGetsTheNextPushAndFinishWakesIt() async throws {
        let queue = RequestQueue()
        let first = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(50))
        queue.push(try request(7))
        #expect(number(await first.value) == 7)
        let second = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(50))
        queue.finish()
        #expect(await second.value == nil)
    }

    /// A cancelled consumer stops waiting (as an `AsyncStream`'s iterator ends), whether it was
    /// cancelled while waiting or before it asked; the queue keeps what arrives for the next one.
    @Test func cancellingTheConsumerEndsItsWaitAndLosesNothing() async throws {
        let queue = RequestQueue()
        let waiting = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == nil)
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await queue.next()
        }
        #expect(await cancelledFirst.value == nil)
        queue.push(try request(8))
        #expect(number(await queue.next()) == 8)
    }
}
