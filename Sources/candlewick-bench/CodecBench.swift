import ArgumentParser
import CandlewickBus
import CandlewickCore
import Foundation

/// `candlewick-bench codec CSV`: what one symbol's 1,000 bars cost at each conversion of the data
/// path (CSV parse, `MarketData` JSON encode and decode, timestamp and decimal text), and the run
/// owner's work per symbol from `market_data` reply to chart-job frames, re-encoding the bars or
/// forwarding them, in ms.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "codec", abstract: "Cost of the bar conversions of the data path (JSON).")
    @Argument(help: "A daily-bar CSV file.") var csv: String
    @Option(help: "Repetitions per measurement (the mean is printed).") var repeats = 50

    func run() throws {
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        let bars = Array(try BarCSV.parse(text, source: csv).bars.suffix(1000))
        let md = try MarketData(symbol: "BENCH", bars: bars, fetchedAt: Date())
        let json = try CandlewickJSON.encode(md)
        func ms(_ body: () throws -> Void) rethrows -> Double {
            let t = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { try body() }
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6 / Double(repeats)
        }
        let result: [String: Double] = [
            "bars": Double(bars.count), "json_bytes": Double(json.count),
            "csv_parse_ms": try ms { _ = try BarCSV.parse(text, source: csv) },
            "json_encode_ms": try ms { _ = try CandlewickJSON.encode(md) },
            "json_decode_ms": try ms { _ = try CandlewickJSON.decode(MarketData.self, from: json) },
            "timestamps_ms": ms { for b in bars { _ = UTCTimestamp.format(b.timestamp) } },
            "decimal_text_ms": ms { for b in bars { _ = DecimalText.plain(b.close) } },
            "foundation_decimal_text_ms": ms { for b in bars { _ = b.close.description } },
        ].merging(try runOwner(md, ms: ms)) { a, _ in a }
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// The run owner's work per symbol: a `market_data` reply decoded (the bars checked), then its
    /// chart job encoded, re-encoding the bars (as before issue 18) or forwarding the reply's bytes.
    func runOwner(_ md: MarketData, ms: (() throws -> Void) throws -> Double) throws -> [String: Double] {
        let md = try MarketData(symbol: md.symbol, bars: md.bars, fetchedAt: md.latestBar.timestamp)
        let codec = FrameCodec()
        let reply = try codec.encode(Envelope(header: EnvelopeHeader(type: MarketData.messageType, source: "gateway-bridge", seq: 1, ts: Date()),
                                              payload: md))
        let (encoder, decoder) = (CandlewickJSON.encoder(), CandlewickJSON.decoder())
        let header = try EnvelopeHeader(type: ChartJob.messageType, source: "candlewick-run", seq: 1, ts: Date())
        struct Mismatch: Error {}
        func chartJob(forward: Bool) throws -> [Data] {
            let m = try codec.decode(reply, decoder: decoder)
            guard let data = m.payload(as: MarketData.self) else { throw Mismatch() }
            let job = try ChartJob(jobId: "run-BENCH", marketData: data, daily: ChartConfig(symbol: "BENCH", timeframe: .daily),
                                   weekly: ChartConfig(symbol: "BENCH", timeframe: .weekly), artifactDir: "/tmp/charts/BENCH")
            let out = try forward ? job.forwarding(m.payloadJSON) : job
            return try codec.encode(Envelope(header: header, payload: out), encoder: encoder)
        }
        // Forwarded and re-encoded jobs are the same bytes (a fetched_at whole to the millisecond, as IB's bars are).
        guard try chartJob(forward: true) == chartJob(forward: false) else { throw Mismatch() }
        return ["run_owner_reencode_ms": try ms { _ = try chartJob(forward: false) },
                "run_owner_forward_ms": try ms { _ = try chartJob(forward: true) },
                "reply_decode_ms": try ms { _ = try codec.decode(reply, decoder: decoder) }]
    }
}
