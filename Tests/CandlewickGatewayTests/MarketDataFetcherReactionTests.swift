@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Synchronization
import Testing

/// `MarketDataFetcher` reacting to IB's errors as `IBErrorReaction` says, with a recording IB in place of the link.
@Suite("Market data fetcher reactions")
struct MarketDataFetcherReactionTests {
    /// Records every request written; the test answers as IB would.
    final class FakeIB: Sendable {
        let sent = Mutex<[TWSHistoricalDataRequest]>([])
        let cancelled = Mutex<[Int]>([])
        func record(_ r: TWSRequest) {
            if case .reqHistoricalData(let h) = r { sent.withLock { $0.append(h) } }
            if case .cancelHistoricalData(let id) = r { cancelled.withLock { $0.append(id) } }
        }
        var count: Int { sent.withLock { $0.count } }
        /// Waits (bounded) until `n` requests were written.
        func waitFor(_ n: Int) async throws -> TWSHistoricalDataRequest {
            for _ in 0..<1000 where count < n { try await Task.sleep(for: .milliseconds(10)) }
            return try #require(sent.withLock { $0.count >= n ? $0[n - 1] : nil }, "request \(n) never written")
        }
    }

    static let bar = TWSBar(date: "20240102", open: 10, high: 11, low: 9, close: 10.5, volume: 100, wap: nil, barCount: 1)

    func make() -> (MarketDataFetcher, FakeIB) {
        let ib = FakeIB()
        let f = MarketDataFetcher(send: { ib.record($0) }, qualify: { TWSContract(symbol: $0) })
        return (f, ib)
    }

    @Test("pacing 162: the same request is sent again after the pause, and its answer is served")
    func pacingRetries() async throws {
        let (f, ib) = make()
        let answer = Task { try await f.marketData(symbol: "AAPL", days: 5) }
        let first = try await ib.waitFor(1)
        await f.handle(.error(TWSError(id: first.reqId, code: 162, message: "Historical Market Data Service error message:Historical data request pacing violation")))
        let second = try await ib.waitFor(2)
        #expect(second == first)
        await f.handle(.historicalData(reqId: second.reqId, start: "", end: "", bars: [Self.bar]))
        #expect(try await answer.value.bars.count == 1)
        #expect(await f.retries == 1)
    }

    @Test("past its deadline a request fails and is cancelled at IB (else it holds one of IB's 50 open slots)")
    func deadlineCancelsAtIB() async throws {
        let (f, ib) = make()
        let answer = Task { try await f.marketData(symbol: "AAPL", days: 5, timeout: 0.2) }
        let first = try await ib.waitFor(1)
        let error = await #expect(throws: GatewayError.self) { try await answer.value }
        #expect(error?.message.contains("within 0.2 s") == true)
        for _ in 0..<500 where ib.cancelled.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ib.cancelled.withLock { $0 } == [first.reqId])
        // A late answer to the cancelled request changes nothing.
        await f.handle(.historicalData(reqId: first.reqId, start: "", end: "", bars: [Self.bar]))
        #expect(ib.count == 1)
    }

    @Test("321 and a no-data 162 fail the request with IB's code, nothing sent again", arguments: [
        (321, "Error validating request"), (162, "Historical Market Data Service error message:HMDS query returned no data: AAPL@SMART Trades"),
    ])
    func refusalFails(code: Int, message: String) async throws {
        let (f, ib) = make()
        let answer = Task { try await f.marketData(symbol: "AAPL", days: 5) }
        let first = try await ib.waitFor(1)
        await f.handle(.error(TWSError(id: first.reqId, code: code, message: message)))
        let error = await #expect(throws: GatewayError.self) { try await answer.value }
        #expect(error?.code == code && error?.message == message)
        let retries = await f.retries
        #expect(ib.count == 1 && retries == 0)
    }

    @Test("a notice (2174, 2104) for the request never fails it")
    func noticeIgnored() async throws {
        let (f, ib) = make()
        let answer = Task { try await f.marketData(symbol: "AAPL", days: 5) }
        let first = try await ib.waitFor(1)
        await f.handle(.error(TWSError(id: first.reqId, code: 2174, message: "Warning: … without explicit time zone")))
        await f.handle(.error(TWSError(id: -1, code: 2104, message: "Market data farm connection is OK:usfarm")))
        await f.handle(.historicalData(reqId: first.reqId, start: "", end: "", bars: [Self.bar]))
        #expect(try await answer.value.bars.count == 1 && ib.count == 1)
    }

    @Test("1101 (data lost): requests in flight are asked again; 1102 asks nothing again")
    func dataLostAsksAgain() async throws {
        let (f, ib) = make()
        let answer = Task { try await f.marketData(symbol: "AAPL", days: 5) }
        let first = try await ib.waitFor(1)
        await f.handle(.error(TWSError(id: -1, code: 1102, message: "restored - data maintained")))
        await f.handle(.error(TWSError(id: -1, code: 1101, message: "restored - data lost")))
        let second = try await ib.waitFor(2)
        #expect(second == first)
        await f.handle(.historicalData(reqId: first.reqId, start: "", end: "", bars: [Self.bar]))
        #expect(try await answer.value.bars.count == 1)
        let retries = await f.retries
        #expect(retries == 1 && ib.count == 2)
    }
}
