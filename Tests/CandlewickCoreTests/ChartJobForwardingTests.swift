import CandlewickCore
import Foundation
import Testing

@Suite("ChartJob: market_data forwarded as received instead of encoded again")
struct ChartJobForwardingTests {
    static let bars = try! (0..<30).map { i in
        try OHLCVBar(timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 86_400), open: 10, high: Decimal(12) + Decimal(i) / 100,
                     low: 9, close: Decimal(string: "10.25")!, volume: 1_000)
    }

    static func job(_ id: String, artifactDir: String?) throws -> ChartJob {
        let md = try MarketData(symbol: "AAA", bars: bars, fetchedAt: bars.last!.timestamp)
        return try ChartJob(jobId: id, marketData: md, daily: ChartConfig(symbol: "AAA", timeframe: .daily),
                            weekly: ChartConfig(symbol: "AAA", timeframe: .weekly), artifactDir: artifactDir)
    }

    @Test("with the bytes the encoder writes, the forwarded job is byte for byte the encoded job",
          arguments: [("run-AAA", "/tmp/charts/AAA"), ("run \"q\" \\ é\n\t", "dir/with \"quotes\"\u{1}"), ("run-AAA", nil)] as [(String, String?)])
    func sameBytes(id: String, dir: String?) throws {
        let encoder = CandlewickJSON.encoder()
        let job = try Self.job(id, artifactDir: dir)
        let forwarded = try job.forwarding(try encoder.encode(job.marketData))
        #expect(try forwarded.encodedPayload(using: encoder) == encoder.encode(job))
        #expect(forwarded == job && forwarded.hashValue == job.hashValue)
    }

    @Test("the forwarded bytes are written as they are, and the job decodes to the same values")
    func bytesAsReceived() throws {
        let job = try Self.job("run-AAA", artifactDir: nil)
        let pretty = CandlewickJSON.encoder()
        pretty.outputFormatting = [.prettyPrinted]
        let received = try pretty.encode(job.marketData)
        let payload = try job.forwarding(received).encodedPayload(using: CandlewickJSON.encoder())
        #expect(payload.range(of: Data(#""market_data":"#.utf8) + received) != nil)
        #expect(try CandlewickJSON.decode(ChartJob.self, from: payload) == job)
        // Codable's own encode(to:) never writes the forwarded bytes.
        #expect(try CandlewickJSON.encoder().encode(job.forwarding(received)) == CandlewickJSON.encoder().encode(job))
    }
}
