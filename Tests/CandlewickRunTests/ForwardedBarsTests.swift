import CandlewickBus
import CandlewickCore
@testable import CandlewickRun
import CandlewickTesting
import Foundation
import Logging
import Synchronization
import Testing

/// gateway-bridge over an in-memory DEALER/ROUTER link that answers every `market_data.request`
/// with `payload` (raw JSON bytes), written into a plain envelope by hand.
private struct FakeGateway {
    let link = InMemoryRequestLink(name: "gateway")
    let client: RequestClient

    init(payload: @escaping @Sendable (String) -> Data) {
        var logger = Logger(label: "forwarded-bars-test")
        logger.logLevel = .critical
        client = RequestClient(channel: link.client(), source: "candlewick-run", logger: logger)
        let server = link.server()
        Task {
            for await frames in server.incoming {
                guard let request = try? FrameCodec().decode(Array(frames.dropFirst())),
                      let asked = request.payload(as: MarketDataRequest.self) else { continue }
                var json = Data(#"{"attachments":[],"causation_id":""#.utf8)
                json += Data(request.header.id.utf8)
                json += Data(#"","id":"reply-1","payload":"#.utf8)
                json += payload(asked.symbol)
                json += Data(#","run_id":null,"seq":1,"source":"gateway-bridge","ts":"2024-01-01T00:00:00Z","type":"market_data","v":1}"#.utf8)
                try? server.send([frames[0], Data("market_data".utf8), json])
            }
        }
    }

    /// What `GatewayBars` hands the run for `symbol`.
    func event(_ symbol: String, timeout: Duration = .seconds(5)) async -> RunPipeline.Event {
        let got = Mutex<[RunPipeline.Event]>([])
        await GatewayBars(client: client, history: 300, timeout: timeout).deliver([symbol], runId: "run-t") { e in got.withLock { $0.append(e) } }
        return got.withLock { $0[0] }
    }
}

/// The bars' JSON as gateway-bridge would not write it (indented), so only forwarding, never
/// re-encoding, sends these exact bytes on.
private func oddlyFormatted(_ md: MarketData) throws -> Data {
    let e = CandlewickJSON.encoder()
    e.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
    return try e.encode(md)
}

@Suite("Run owner: the chart job forwards the bars it received, and bad bars still go nowhere")
struct ForwardedBarsTests {
    @Test("the chart job sent for a symbol carries byte for byte the market_data gateway-bridge sent")
    func forwardsReceivedBytes() async throws {
        let md = try Make.marketData("AAA")
        let sent = try oddlyFormatted(md)
        let event = await FakeGateway { _ in sent }.event("AAA")
        guard case .bars(let symbol, let data, let json) = event else { Issue.record("no bars: \(event)"); return }
        #expect(symbol == "AAA" && data == md)
        #expect(json == sent)
        var d = Driver(Make.settings(["AAA"]))
        d.send(.start)
        let job = try #require(d.send(event).chartJobs.first?.job)
        // The frames that go to the chart-worker: the received bytes inside, and they decode to the same values.
        let frames = try FrameCodec().encode(Envelope(header: EnvelopeHeader(type: ChartJob.messageType, source: "run", seq: 1, ts: Date()),
                                                      payload: job))
        #expect(frames[1].range(of: Data(#""market_data":"#.utf8) + sent) != nil)
        let received = try #require(try FrameCodec().decode(frames).payload(as: ChartJob.self))
        #expect(received.marketData == md && received == job)
    }

    @Test("bars that break the rules (high below low) never reach a chart job: the reply is refused, the symbol fails")
    func badBarsFailClosed() async throws {
        let md = try Make.marketData("AAA")
        let text = String(decoding: try CandlewickJSON.encode(md), as: UTF8.self)
            .replacing(/"high":[0-9.]+/, with: #""high":0.0001"#, maxReplacements: 1)
        let bad = Data(text.utf8)
        #expect((try? CandlewickJSON.decode(MarketData.self, from: bad)) == nil)
        let event = await FakeGateway { _ in bad }.event("AAA", timeout: .milliseconds(400))
        guard case .barsFailed(let symbol, _) = event else { Issue.record("bad bars accepted: \(event)"); return }
        #expect(symbol == "AAA")
        var d = Driver(Make.settings(["AAA"]))
        d.send(.start)
        #expect(d.send(event).chartJobs.isEmpty)
    }

    @Test("good bars for another symbol than the one asked for are refused, forwarded bytes or not")
    func otherSymbolRefused() async throws {
        let other = try oddlyFormatted(try Make.marketData("BBB"))
        let event = await FakeGateway { _ in other }.event("AAA")
        var d = Driver(Make.settings(["AAA"]))
        d.send(.start)
        #expect(d.send(event).chartJobs.isEmpty)
        #expect(d.pipeline.failures.map(\.symbol) == ["AAA"])
    }
}
