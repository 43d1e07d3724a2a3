import Foundation

/// The backtest's output files, written byte-for-byte the same for the same input: CSV with a header row, RFC 4180
/// quoting and `\n` line ends, decimals as plain text (`DecimalText`), doubles rounded to 6 decimal places, rows sorted by
/// (as_of, symbol) then input order; JSON pretty printed with sorted keys and every number rounded to 6 decimal places.
public enum BacktestFiles {
    /// Columns of signals.csv.
    public static let signalColumns = ["as_of", "symbol", "close", "action", "confidence", "confidence_score", "entry", "stop", "target",
                                       "analyst", "model", "router_outcome"]
    /// Columns of trades.csv.
    public static let tradeColumns = ["as_of", "symbol", "action", "confidence", "confidence_score", "entry", "stop", "target",
                                      "quantity", "filled", "entry_date", "entry_price", "exit_date", "exit_price", "exit_reason",
                                      "bars_held", "r_multiple", "hit_target", "commission", "pnl"]

    /// signals.csv: one row per signal.
    public static func signalsCSV(_ rows: [SignalRow]) -> String {
        let sorted = bySignalKey(rows) { ($0.asOf, $0.symbol) }
        return csv(signalColumns, sorted.map { r in
            [r.asOf, r.symbol, text(r.close), r.action.rawValue, r.confidence.rawValue, number(r.confidenceScore), text(r.entry), text(r.stop),
             text(r.target), r.analyst, r.model ?? "", r.router.text]
        })
    }

    /// trades.csv: one row per outcome, unfilled ones included.
    public static func tradesCSV(_ outcomes: [ShadowOutcome]) -> String {
        let sorted = bySignalKey(outcomes) { ($0.asOf, $0.symbol) }
        return csv(tradeColumns, sorted.map { o in
            [o.asOf, o.symbol, o.action.rawValue, o.confidence.rawValue, number(o.confidenceScore), text(o.entry), text(o.stop),
             text(o.target), text(o.quantity), o.filled ? "true" : "false", o.entryDate ?? "", text(o.entryPrice), o.exitDate ?? "",
             text(o.exitPrice), o.exitReason.rawValue, String(o.barsHeld), o.rMultiple.map(number) ?? "",
             o.hitTarget.map { $0 ? "true" : "false" } ?? "", text(o.commission), text(o.pnl)]
        })
    }

    /// equity.csv: `date,equity` and one column per benchmark (names sorted), one row per equity point in date order;
    /// a benchmark without a value on a date has an empty cell.
    public static func equityCSV(_ points: [EquityPoint], benchmarks: [String: [EquityPoint]]) -> String {
        let names = benchmarks.keys.sorted()
        let lookup = names.map { n in Dictionary(benchmarks[n]!.map { ($0.date, $0.equity) }, uniquingKeysWith: { _, last in last }) }
        let sorted = points.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
        return csv(["date", "equity"] + names, sorted.map { p in [p.date, text(p.equity)] + lookup.map { text($0[p.date]) } })
    }

    /// `v` as pretty-printed JSON with sorted keys, every number rounded to 6 decimal places, ending in a newline.
    public static func json<T: Encodable>(_ v: T) throws -> Data {
        let encoder = CandlewickJSON.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var out = roundNumbers(in: try encoder.encode(v))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    // MARK: - Formatting

    /// `x` rounded to 6 decimal places, in plain text without exponent (`72`, `0.333333`, `-1.5`); empty for NaN/infinity.
    public static func number(_ x: Double) -> String {
        guard let d = DecimalText.decimal(shortest: x) else { return "" }
        return DecimalText.plain(rounded(d))
    }

    /// One CSV field: quoted when it holds a comma, a quote, CR or LF, with quotes doubled (RFC 4180).
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    static func text(_ d: Decimal?) -> String { d.map(DecimalText.plain) ?? "" }

    static func rounded(_ d: Decimal) -> Decimal {
        var v = d, r = Decimal()
        NSDecimalRound(&r, &v, 6, .plain)
        return r
    }

    /// Sorted by `key`, ties in input order.
    static func bySignalKey<T>(_ xs: [T], _ key: (T) -> (String, String)) -> [T] {
        xs.enumerated().sorted { a, b in
            let (ka, kb) = (key(a.element), key(b.element))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    /// Rewrites every number token outside strings of a JSON text, rounded to 6 decimal places in plain form.
    static func roundNumbers(in data: Data) -> Data {
        let bytes = [UInt8](data)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0, inString = false
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                out.append(b)
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    out.append(bytes[i + 1])
                    i += 1
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                i += 1
            } else if b == UInt8(ascii: "\"") {
                inString = true
                out.append(b)
                i += 1
            } else if b == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) {
                var j = i
                while j < bytes.count, isNumberByte(bytes[j]) { j += 1 }
                let token = bytes[i..<j]
                if let d = DecimalParsing.parse(token) {
                    out += Array(DecimalText.plain(rounded(d)).utf8)
                } else {
                    out += token
                }
                i = j
            } else {
                out.append(b)
                i += 1
            }
        }
        return Data(out)
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
    }
}
