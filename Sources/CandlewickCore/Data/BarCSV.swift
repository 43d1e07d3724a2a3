import Foundation

/// A CSV file that cannot be read as bars: names the source, the line and the column.
public struct BarCSVError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let line: Int
    public let message: String

    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { "\(source):\(line): \(message)" }
}

/// A row that parsed but is not a valid bar (e.g. a low above the open). Kept out of the bars,
/// reported, never silently repaired.
public struct BarCSVRejection: Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}

/// Bars read from a CSV file, and the rows refused.
public struct BarCSVResult: Sendable {
    public let bars: [OHLCVBar]
    public let rejected: [BarCSVRejection]
    /// Split days applied (file has a `split_coefficient` column): day and ratio (5 = a 5:1 split).
    public var splits: [(day: Date, ratio: Decimal)] = []
    /// Cash dividends by ex-day (file has a `dividend_amount` column), split-adjusted like the prices.
    public var dividends: [Date: Decimal] = [:]

    public init(bars: [OHLCVBar], rejected: [BarCSVRejection], splits: [(day: Date, ratio: Decimal)] = [], dividends: [Date: Decimal] = [:]) {
        self.bars = bars
        self.rejected = rejected
        self.splits = splits
        self.dividends = dividends
    }
}

/// Reads daily bars from CSV text whose header names `date`, `open`, `high`, `low`, `close` and
/// `volume` columns (any case, any order; other columns such as `Adj Close` or an unnamed index
/// are ignored; a UTF-8 BOM is skipped). Dates are `YYYY-MM-DD` or `M/D/YYYY`, taken as 00:00 UTC.
///
/// The date column may also be named `timestamp` (AlphaVantage files).
///
/// Split-adjusted as IB's `TRADES` history is: when the header has `split_coefficient` (the ratio on
/// the split's ex-day, 1 elsewhere), every bar before a split day has its prices divided by the
/// product of the later ratios (rounded to 4 places) and its volume multiplied by it, so a 5:1
/// split is no 80 % crash. Files without the column are taken as they are.
///
/// `Adj Close` (Yahoo files, already split-adjusted) feeds ADJUSTED_LAST when the file has no
/// `dividend_amount`: a step in Adj Close / Close between two days is read back as the cash dividend
/// that went ex on the later day, D = previous close × (1 − previous factor / factor) (4 places), so
/// the adjustment is recomputed as of any day with no look-ahead into dividends after it.
///
/// A malformed file (missing column, unparsable number or date, dates out of order or repeated)
/// throws `BarCSVError`. A well-formed row that breaks an `OHLCVBar` rule is listed in `rejected`.
public enum BarCSV {
    static let required = ["date", "open", "high", "low", "close", "volume"]

    public static func parse(_ text: String, source: String) throws -> BarCSVResult {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        // Line ranges (without the line break).
        var lines: [Range<Int>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 10 {
            lines.append(start..<(i > start && bytes[i - 1] == 13 ? i - 1 : i))
            start = i + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        func isBlank(_ r: Range<Int>) -> Bool { bytes[r].allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 } }
        while let last = lines.last, isBlank(last) { lines.removeLast() }
        guard let headerRange = lines.first else { throw BarCSVError(source: source, line: 1, message: "empty file") }
        let header = String(decoding: bytes[headerRange], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var column: [String: Int] = [:]
        for name in required {
            guard let i = header.firstIndex(of: name) ?? (name == "date" ? header.firstIndex(of: "timestamp") : nil) else {
                throw BarCSVError(source: source, line: 1, message: "missing column \"\(name)\" (header: \(header.joined(separator: ",")))")
            }
            column[name] = i
        }
        let width = header.count
        let (cDate, cOpen, cHigh, cLow, cClose, cVolume) = (column["date"]!, column["open"]!, column["high"]!, column["low"]!,
                                                             column["close"]!, column["volume"]!)
        let cSplit = header.firstIndex(of: "split_coefficient"), cDividend = header.firstIndex(of: "dividend_amount")
        let cAdjClose = cDividend == nil ? header.firstIndex(of: "adj close") : nil
        var raw: [(line: Int, date: Date, o: Decimal, h: Decimal, l: Decimal, c: Decimal, v: Decimal, split: Decimal, dividend: Decimal)] = []
        var adjFactors: [Decimal] = []
        var bars: [OHLCVBar] = []
        var rejected: [BarCSVRejection] = []
        bars.reserveCapacity(lines.count)
        var previous: Date?
        var fields: [Range<Int>] = []
        fields.reserveCapacity(width)
        for (offset, range) in lines.enumerated().dropFirst() {
            let lineNo = offset + 1
            if isBlank(range) { continue }
            fields.removeAll(keepingCapacity: true)
            var fieldStart = range.lowerBound
            for i in range where bytes[i] == 44 {
                fields.append(fieldStart..<i)
                fieldStart = i + 1
            }
            fields.append(fieldStart..<range.upperBound)
            guard fields.count == width else {
                throw BarCSVError(source: source, line: lineNo, message: "expected \(width) fields, found \(fields.count)")
            }
            func text(_ c: Int) -> String { String(decoding: bytes[fields[c]], as: UTF8.self).trimmingCharacters(in: .whitespaces) }
            func number(_ c: Int, _ name: String) throws -> Decimal {
                guard let d = DecimalParsing.parse(bytes[fields[c]]) else {
                    throw BarCSVError(source: source, line: lineNo, message: "column \"\(name)\": not a number: \"\(text(c))\"")
                }
                return d
            }
            guard let date = parseDate(text(cDate)) else {
                throw BarCSVError(source: source, line: lineNo, message: "column \"date\": not a date: \"\(text(cDate))\"")
            }
            if let previous {
                guard date != previous else {
                    throw BarCSVError(source: source, line: lineNo, message: "duplicate date \(UTCTimestamp.formatDay(date))")
                }
                guard date > previous else {
                    throw BarCSVError(source: source, line: lineNo, message: "date \(UTCTimestamp.formatDay(date)) is before the previous row's")
                }
            }
            previous = date
            let (o, h, l, c, v) = (try number(cOpen, "open"), try number(cHigh, "high"), try number(cLow, "low"),
                                   try number(cClose, "close"), try number(cVolume, "volume"))
            var split: Decimal = 1
            if let cSplit {
                split = try number(cSplit, "split_coefficient")
                guard split > 0 else {
                    throw BarCSVError(source: source, line: lineNo, message: "column \"split_coefficient\": must be > 0, got \(text(cSplit))")
                }
            }
            let dividend = try cDividend.map { try number($0, "dividend_amount") } ?? 0
            guard dividend >= 0 else { throw BarCSVError(source: source, line: lineNo, message: "column \"dividend_amount\": negative") }
            if let cAdjClose {
                let adj = try number(cAdjClose, "adj close")
                guard adj > 0, c > 0 else {
                    throw BarCSVError(source: source, line: lineNo, message: "column \"adj close\": needs adj close and close > 0, got \(text(cAdjClose))")
                }
                adjFactors.append(adj / c)
            }
            raw.append((lineNo, date, o, h, l, c, v, split, dividend))
        }
        if cAdjClose != nil { impliedDividends(&raw, factors: adjFactors) }
        // Back-adjust: walk from the newest row, multiplying the factor by each split ratio passed.
        var factor: Decimal = 1
        var factors = [Decimal](repeating: 1, count: raw.count)
        var splits: [(day: Date, ratio: Decimal)] = []
        for i in raw.indices.reversed() {
            factors[i] = factor
            if raw[i].split != 1 {
                factor *= raw[i].split
                splits.insert((raw[i].date, raw[i].split), at: 0)
            }
        }
        var dividends: [Date: Decimal] = [:]
        for (r, f) in zip(raw, factors) where r.dividend > 0 { dividends[r.date] = r.dividend / f }
        for (r, f) in zip(raw, factors) {
            do {
                let bar = f == 1 ? try OHLCVBar(timestamp: r.date, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v)
                    : try OHLCVBar(timestamp: r.date, open: adjusted(r.o, f), high: adjusted(r.h, f), low: adjusted(r.l, f),
                                   close: adjusted(r.c, f), volume: r.v * f)
                bars.append(bar)
            } catch let e as ModelValidationError {
                rejected.append(BarCSVRejection(line: r.line, reason: "\(UTCTimestamp.formatDay(r.date)): \(e)"))
            }
        }
        return BarCSVResult(bars: bars, rejected: rejected, splits: splits, dividends: dividends)
    }

    /// Ex-dividend days read from Adj Close / Close steps: where the factor rises by more than 1e-5 (rounding
    /// noise of 6-decimal prices stays far below), the day gets D = previous close × (1 − previous / this factor).
    static func impliedDividends(_ raw: inout [(line: Int, date: Date, o: Decimal, h: Decimal, l: Decimal, c: Decimal, v: Decimal,
                                                 split: Decimal, dividend: Decimal)], factors: [Decimal]) {
        for i in raw.indices.dropFirst() {
            let ratio = factors[i - 1] / factors[i]
            guard ratio < 1 - Decimal(string: "0.00001")! else { continue }
            var d = raw[i - 1].c * (1 - ratio), r = Decimal()
            NSDecimalRound(&r, &d, 4, .plain)
            raw[i].dividend = r
        }
    }

    /// `price / factor` rounded half-up to 4 places (IB's adjusted history carries a few decimals).
    static func adjusted(_ price: Decimal, _ factor: Decimal) -> Decimal {
        var q = price / factor, r = Decimal()
        NSDecimalRound(&r, &q, 4, .plain)
        return r
    }

    /// Reads and parses a file.
    public static func load(path: String) throws -> BarCSVResult {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BarCSVError(source: path, line: 0, message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, source: path)
    }

    /// `YYYY-MM-DD` (optionally with a time) or `M/D/YYYY`.
    static func parseDate(_ text: String) -> Date? {
        if text.contains("/") {
            let parts = text.split(separator: "/")
            guard parts.count == 3, let m = Int(parts[0]), let d = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4 else {
                return nil
            }
            return UTCTimestamp.parse(String(format: "%04d-%02d-%02d", y, m, d))
        }
        return UTCTimestamp.parse(text)
    }
}
