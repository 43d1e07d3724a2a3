import ArgumentParser
import CandlewickCore
import Foundation

/// `candlewick-bench codec CSV`: the cost of one symbol's bars through each conversion of the data path.
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "codec", abstract: "MarketData encode/decode cost (JSON).")
    @Argument var csv: String
    @Option var repeats = 50

    func run() throws {
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        let bars = Array(try BarCSV.parse(text, source: csv).bars.suffix(1000))
        let md = try MarketData(symbol: "AAPL", bars: bars, fetchedAt: Date())
        func time(_ name: String, _ body: () throws -> Void) rethrows {
            let t = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { try body() }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6 / Double(repeats)
            print("\(name): \(String(format: "%.2f", ms)) ms")
        }
        let data = try CandlewickJSON.encode(md)
        print("bytes \(data.count)")
        try time("csv parse") { _ = try BarCSV.parse(text, source: csv) }
        try time("encode") { _ = try CandlewickJSON.encode(md) }
        try time("decode") { _ = try CandlewickJSON.decode(MarketData.self, from: data) }
        try Self.variants(bars, time: time)
        time("format ts") { for b in bars { _ = UTCTimestamp.format(b.timestamp) } }
        time("decimal desc") { for b in bars { _ = "\(b.close)" } }
        time("double") { for b in bars { _ = b.close.doubleValue } }
        try time("bar init") { for b in bars { _ = try OHLCVBar(timestamp: b.timestamp, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume) } }
    }
}

struct BarD: Codable { let timestamp: String; let open, high, low, close, volume: Double }
struct BarDec: Codable { let timestamp: String; let open, high, low, close, volume: Decimal }
extension CodecBench {
    static func variants(_ bars: [OHLCVBar], time: (String, () throws -> Void) throws -> Void) throws {
        let ts = bars.map { UTCTimestamp.format($0.timestamp) }
        let d = zip(bars, ts).map { BarD(timestamp: $1, open: $0.open.doubleValue, high: $0.high.doubleValue, low: $0.low.doubleValue, close: $0.close.doubleValue, volume: $0.volume.doubleValue) }
        let dec = zip(bars, ts).map { BarDec(timestamp: $1, open: $0.open, high: $0.high, low: $0.low, close: $0.close, volume: $0.volume) }
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        let e2 = JSONEncoder()
        try time("enc double sorted") { _ = try e.encode(d) }
        try time("enc double unsorted") { _ = try e2.encode(d) }
        try time("enc decimal sorted") { _ = try e.encode(dec) }
        let dd = try e.encode(d)
        print(String(decoding: dd.prefix(200), as: UTF8.self))
        try time("dec double") { _ = try JSONDecoder().decode([BarD].self, from: dd) }
        try time("dec decimal") { _ = try JSONDecoder().decode([BarDec].self, from: dd) }
        try time("JSONSerialization") { _ = try JSONSerialization.jsonObject(with: dd) }
    }
}
