import CandlewickCore
import CandlewickTWS
import Foundation
import Logging

/// A trading day as `yyyymmdd` (e.g. 20170630): sortable, easy to print in IB's `yyyyMMdd` form.
public typealias PaperDay = Int

/// One daily bar with prices kept as decimals (exact tick arithmetic).
public struct PaperBar: Sendable, Hashable {
    public let day: PaperDay
    public let open: Decimal
    public let high: Decimal
    public let low: Decimal
    public let close: Decimal
    public let volume: Decimal
    /// Cash dividend going ex on this day (split-adjusted), 0 when none; feeds ADJUSTED_LAST.
    public var dividend: Decimal = 0
}

/// An instrument the paper gateway knows: its bars and how it is described to clients.
public struct PaperInstrument: Sendable {
    public let symbol: String
    public let conId: Int
    public let primaryExchange: String
    public let longName: String
    /// Ascending by day.
    public let bars: [PaperBar]
    public let synthetic: Bool

    /// The contract as CONTRACT_DATA / OPEN_ORDER describe it.
    public var contract: TWSContract {
        TWSContract(conId: conId, symbol: symbol, exchange: "SMART", primaryExchange: primaryExchange, currency: "USD",
                    localSymbol: symbol, tradingClass: primaryExchange == "ARCA" ? symbol : "NMS")
    }

    /// The bar of `day`, if the instrument traded that day.
    public func bar(on day: PaperDay) -> PaperBar? {
        var lo = 0, hi = bars.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if bars[mid].day == day { return bars[mid] }
            if bars[mid].day < day { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// Bars with `day <= last`, at most the final `count`... used by historical requests.
    public func bars(through last: PaperDay) -> ArraySlice<PaperBar> {
        var lo = 0, hi = bars.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bars[mid].day <= last { lo = mid + 1 } else { hi = mid }
        }
        return bars[0..<lo]
    }

    /// The last close on or before `day` (nil when the instrument has no history yet).
    public func lastClose(onOrBefore day: PaperDay) -> Decimal? { bars(through: day).last?.close }
}

/// Every instrument served, and the trading calendar (the union of their days).
public struct PaperMarket: Sendable {
    public let instruments: [String: PaperInstrument]
    /// Sorted, unique.
    public let calendar: [PaperDay]

    public init(instruments: [PaperInstrument]) {
        var map: [String: PaperInstrument] = [:]
        for i in instruments { map[i.symbol] = i }
        self.instruments = map
        calendar = Array(Set(instruments.flatMap { $0.bars.map(\.day) })).sorted()
    }

    /// Looks a contract up by conId or symbol; nil when unknown or not a USD stock.
    public func instrument(for c: TWSContract) -> PaperInstrument? {
        if !c.secType.isEmpty && c.secType != "STK" { return nil }
        if !c.currency.isEmpty && c.currency != "USD" { return nil }
        if c.conId != 0 { return instruments.values.first { $0.conId == c.conId } }
        return instruments[c.symbol.uppercased()]
    }

    /// The first calendar day after `day`, nil at the end of the data.
    public func day(after day: PaperDay) -> PaperDay? {
        var lo = 0, hi = calendar.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if calendar[mid] <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo < calendar.count ? calendar[lo] : nil
    }

    /// Known listings for the bundled symbols (real IB conIds and primary exchanges); others get a
    /// stable id derived from the symbol and NYSE.
    static let listings: [String: (Int, String, String)] = [
        "AAPL": (265_598, "NASDAQ", "APPLE INC"), "MSFT": (272_093, "NASDAQ", "MICROSOFT CORP"),
        "GOOG": (208_813_720, "NASDAQ", "ALPHABET INC-CL C"), "INTC": (270_639, "NASDAQ", "INTEL CORP"),
        "SPY": (756_733, "ARCA", "SPDR S&P 500 ETF TRUST"),
    ]

    static func listing(_ symbol: String) -> (Int, String, String) {
        if let known = listings[symbol] { return known }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in symbol.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return (Int(100_000_000 + h % 800_000_000), "NYSE", symbol)
    }

    /// Loads `SYMBOL.csv` and `SYMBOL.csv.gz` files from `directory` with `BarCSV`; rows it rejects are
    /// logged and skipped. A file that cannot be read or parsed at all is an error (never served half-read),
    /// and so is a symbol present both plain and gzipped.
    public static func load(directory: String, logger: Logger) throws -> [PaperInstrument] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            let n = $0.lowercased()
            return n.hasSuffix(".csv") || n.hasSuffix(".csv.gz")
        }.sorted()
        var out: [PaperInstrument] = []
        var seen: [String: String] = [:]
        for name in names {
            let gz = name.lowercased().hasSuffix(".gz")
            let symbol = String(name.dropLast(gz ? 7 : 4)).uppercased()
            if let other = seen[symbol] { throw PaperError.config("\(directory): \(other) and \(name) both hold \(symbol)") }
            seen[symbol] = name
            let path = (directory as NSString).appendingPathComponent(name)
            let text = try gz ? gunzipped(path: path) : plain(path: path)
            guard looksLikeBars(text) else {
                // e.g. constituents.csv beside the bar files of deploy/data/sp500-daily: not a symbol's history.
                logger.warning("data.not_bars", metadata: ["file": "\(name)", "hint": "no open/close columns in the header; skipped"])
                seen.removeValue(forKey: symbol)
                continue
            }
            let result = try BarCSV.parse(text, source: path)
            for r in result.rejected {
                logger.warning("data.row_rejected", metadata: ["symbol": "\(symbol)", "row": "\(r)"])
            }
            let bars = result.bars.map { b in
                PaperBar(day: dayOf(b.timestamp), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume,
                         dividend: result.dividends[b.timestamp] ?? 0)
            }
            for s in result.splits {
                logger.info("data.split_adjusted", metadata: ["symbol": "\(symbol)", "day": "\(dayOf(s.day))", "ratio": "\(s.ratio)"])
            }
            if result.splits.isEmpty {
                for (day, ratio) in suspectedSplits(bars) {
                    logger.warning("data.split_suspected", metadata: ["symbol": "\(symbol)", "day": "\(day)", "open_over_previous_close": "\(ratio)",
                                                                      "hint": "the file has no split_coefficient column; bars are served as they are"])
                }
            }
            let (conId, exchange, longName) = listing(symbol)
            out.append(PaperInstrument(symbol: symbol, conId: conId, primaryExchange: exchange, longName: longName, bars: bars, synthetic: false))
            logger.info("data.loaded", metadata: ["symbol": "\(symbol)", "bars": "\(bars.count)", "rejected": "\(result.rejected.count)",
                                                  "first": "\(bars.first?.day ?? 0)", "last": "\(bars.last?.day ?? 0)"])
        }
        return out
    }

    /// A gzipped CSV's text: decompressed in memory (bounded by `PaperGzip.maxDecompressedBytes`).
    static func gunzipped(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw PaperError.config("\(path): cannot read") }
        return String(decoding: try PaperGzip.decompress(data, source: path), as: UTF8.self)
    }

    static func plain(path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PaperError.config("\(path): cannot read: \(error.localizedDescription)")
        }
    }

    /// Whether the header names an open or a close column: a file with neither is no bar history at all
    /// (skipped with a warning); one with some but not all bar columns still fails in `BarCSV`.
    static func looksLikeBars(_ text: String) -> Bool {
        let header = text.prefix(while: { $0 != "\n" && $0 != "\r\n" }).lowercased()
        let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return columns.contains("open") || columns.contains("close")
    }

    /// Days whose open is less than half or more than 1.8 times the previous close: split-like moves in a
    /// file that carries no split column (a 2:1 split halves the price; no ordinary day does that).
    static func suspectedSplits(_ bars: [PaperBar]) -> [(PaperDay, Double)] {
        zip(bars, bars.dropFirst()).compactMap { prev, bar in
            let ratio = bar.open.exactDouble / max(prev.close.exactDouble, 1e-9)
            return ratio < 0.5 || ratio > 1.8 ? (bar.day, ratio) : nil
        }
    }

    /// `yyyymmdd` of a UTC date.
    public static func dayOf(_ date: Date) -> PaperDay {
        Int(UTCTimestamp.formatDay(date).replacingOccurrences(of: "-", with: "")) ?? 0
    }

    /// Deterministic synthetic bars (a seeded random walk on weekdays from 2000-01-03 through 2030-12-31),
    /// only ever built when the operator names the symbols with `--synthetic`.
    public static func synthetic(symbol: String) -> PaperInstrument {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for b in symbol.utf8 { seed = (seed ^ UInt64(b)) &* 0x100_0000_01b3 }
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        var bars: [PaperBar] = []
        var price = 20.0 + next() * 80
        var date = UTCTimestamp.parse("2000-01-03")!
        let end = UTCTimestamp.parse("2030-12-31")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func cents(_ d: Double) -> Decimal { Decimal(Int((d * 100).rounded())) / 100 }
        while date <= end {
            let weekday = calendar.component(.weekday, from: date)
            if weekday != 1 && weekday != 7 {
                let open = max(1, price * (1 + (next() - 0.5) * 0.01))
                let close = max(1, open * (1 + (next() - 0.5) * 0.03))
                let high = max(open, close) * (1 + next() * 0.01)
                let low = min(open, close) * (1 - next() * 0.01)
                let (o, c) = (cents(open), cents(close))
                bars.append(PaperBar(day: dayOf(date), open: o, high: max(cents(high), o, c), low: min(cents(low), o, c), close: c,
                                     volume: Decimal(100_000 + Int(next() * 900_000))))
                price = close
            }
            date = date.addingTimeInterval(86_400)
        }
        let (conId, exchange, _) = listing(symbol)
        return PaperInstrument(symbol: symbol, conId: conId, primaryExchange: exchange, longName: "\(symbol) (SYNTHETIC)", bars: bars, synthetic: true)
    }
}
