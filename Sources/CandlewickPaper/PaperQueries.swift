import CandlewickCore
import CandlewickTWS
import Foundation

/// Contract details and historical bars, as of the simulated day.
extension PaperBroker {
    /// CONTRACT_DATA + CONTRACT_DATA_END, or error 200.
    public func contractDetails(reqId: Int, contract: TWSContract) -> [TWSEvent] {
        guard let i = market.instrument(for: contract),
              contract.exchange.isEmpty || ["SMART", i.primaryExchange].contains(contract.exchange.uppercased()),
              contract.primaryExchange.isEmpty || contract.primaryExchange.uppercased() == i.primaryExchange
        else { return [PaperErrors.noSecurity(reqId)] }
        // A week from the as-of day, holidays CLOSED and early closes at 13:00, as IB lists them.
        let hours = PaperTradingHours.ibHours(from: state.asOf, days: 7)
        let details = TWSContractDetails(contract: i.contract, marketName: i.contract.tradingClass, minTick: 0.01,
                                         validExchanges: "SMART,\(i.primaryExchange)", longName: i.longName, timeZoneId: "US/Eastern",
                                         tradingHours: hours.trading, liquidHours: hours.liquid)
        return [.contractDetails(reqId: reqId, details), .contractDetailsEnd(reqId: reqId)]
    }

    /// HISTORICAL_DATA for a daily-bar request, or the IB error: 200 unknown contract, 321 invalid
    /// parameters (bar size other than `1 day`, keepUpToDate, unsupported whatToShow, bad duration),
    /// 10314 bad end date, 162 no data. Bars after the as-of day are never visible.
    public func historicalData(_ h: TWSHistoricalDataRequest) -> [TWSEvent] {
        let id = h.reqId
        guard let inst = market.instrument(for: h.contract) else { return [PaperErrors.noSecurity(id)] }
        func invalid(_ why: String) -> [TWSEvent] { [PaperErrors.err(id, 321, "Error validating request.-'bP' : cause - \(why)")] }
        let barSize = h.barSizeSetting.trimmingCharacters(in: .whitespaces).lowercased()
        guard ["1 day", "1 week", "1 month"].contains(barSize) else {
            return invalid("ib-paper serves 1 day, 1 week and 1 month bars, got \"\(h.barSizeSetting)\"")
        }
        guard !h.keepUpToDate else { return invalid("keepUpToDate is not supported by ib-paper") }
        if ["MIDPOINT", "BID", "ASK", "BID_ASK"].contains(h.whatToShow.uppercased()) {
            // No quotes behind these bars: IB's no-data answer rather than trade prices passed off as quotes.
            return [PaperErrors.err(id, 162, "Historical Market Data Service error message:HMDS query returned no data: \(inst.symbol)@SMART \(h.whatToShow.capitalized)")]
        }
        guard ["TRADES", "ADJUSTED_LAST"].contains(h.whatToShow.uppercased()) else {
            return invalid("whatToShow \(h.whatToShow) is not supported (TRADES, ADJUSTED_LAST)")
        }
        if h.whatToShow.uppercased() == "ADJUSTED_LAST", !h.endDateTime.isEmpty { return invalid("End date not supported with adjusted last") }
        guard let (count, unit) = Self.parseDuration(h.durationStr) else {
            return invalid("Historical data request duration \"\(h.durationStr)\" is invalid (e.g. \"200 D\", \"1 Y\")")
        }
        if unit == "D", count > 365 { return invalid("Historical data requests for durations longer than 365 days must be made in years.") }
        var end = state.asOf
        var notices: [TWSEvent] = []
        if !h.endDateTime.isEmpty {
            guard let e = PaperEndTime.parse(h.endDateTime) else {
                return [PaperErrors.err(id, 10314, "End Date/Time: The date, time, or time-zone entered is invalid. The correct format is yyyymmdd hh:mm:ss xx/xxxx")]
            }
            if e.zoneImplied { notices.append(PaperErrors.err(id, 2174, Self.impliedZoneWarning)) }
            end = min(e.lastDay, state.asOf)
        }
        let visible = inst.bars(through: end)
        var selected: ArraySlice<PaperBar>
        switch unit {
        case "D": selected = visible.suffix(count)
        case "S": selected = visible.suffix(max(1, count / 86_400))
        default:
            let months = unit == "W" ? 0 : (unit == "M" ? count : count * 12)
            let start = Self.shift(end, months: months, days: unit == "W" ? -7 * count : 0)
            selected = visible.filter { $0.day > start }[...]
        }
        guard let first = selected.first else {
            return notices + [PaperErrors.err(id, 162, "Historical Market Data Service error message:HMDS query returned no data: \(inst.symbol)@SMART Trades")]
        }
        if h.whatToShow.uppercased() == "ADJUSTED_LAST" { selected = Self.dividendAdjusted(selected, visible: visible)[...] }
        if barSize != "1 day" { selected = Self.aggregated(selected, monthly: barSize == "1 month")[...] }
        let bars = selected.map { b in
            TWSBar(date: String(b.day), open: b.open.exactDouble, high: b.high.exactDouble, low: b.low.exactDouble,
                   close: b.close.exactDouble, volume: b.volume, wap: Self.typicalPrice(b), barCount: -1)
        }
        return notices + [.historicalData(reqId: id, start: "\(first.day) 00:00:00 US/Eastern", end: "\(end) \(PaperTradingHours.closeClock(end)) US/Eastern", bars: bars)]
    }

    /// HEAD_TIMESTAMP: the first bar's 09:30 US/Eastern open, as `yyyyMMdd-HH:mm:ss` in UTC
    /// (formatDate 1) or epoch seconds (2); 200 unknown contract; 162 no data for whatToShow other than
    /// TRADES / ADJUSTED_LAST (ib-paper has no quotes).
    public func headTimestamp(reqId: Int, contract: TWSContract, whatToShow: String, formatDate: Int) -> [TWSEvent] {
        guard let inst = market.instrument(for: contract) else { return [PaperErrors.noSecurity(reqId)] }
        guard ["TRADES", "ADJUSTED_LAST"].contains(whatToShow.uppercased()), let first = inst.bars.first,
              let open = PaperEndTime.instant(day: first.day, seconds: 9 * 3600 + 1800, in: PaperEndTime.exchangeZone) else {
            return [PaperErrors.err(reqId, 162, "Historical Market Data Service error message:HMDS query returned no data: \(inst.symbol)@SMART \(whatToShow)")]
        }
        if formatDate == 2 { return [.headTimestamp(reqId: reqId, timestamp: String(Int64(open.timeIntervalSince1970)))] }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HH:mm:ss"
        return [.headTimestamp(reqId: reqId, timestamp: f.string(from: open))]
    }

    /// ADJUSTED_LAST: split-adjusted bars (as TRADES) also adjusted for the cash dividends that went ex
    /// after them, up to the last visible day (never a later one): each ex-day with dividend D scales every
    /// earlier bar by 1 − D / (the close before the ex-day); prices rounded to 4 places.
    static func dividendAdjusted(_ bars: ArraySlice<PaperBar>, visible: ArraySlice<PaperBar>) -> [PaperBar] {
        var factor: Decimal = 1
        var factors: [PaperDay: Decimal] = [:]
        let firstDay = bars.first?.day ?? 0
        var later: PaperBar?
        for b in visible.reversed() {
            if let next = later, next.dividend > 0, b.close > 0 { factor *= 1 - next.dividend / b.close }
            factors[b.day] = factor
            later = b
            if b.day < firstDay { break }
        }
        func scaled(_ p: Decimal, _ f: Decimal) -> Decimal {
            var x = p * f, r = Decimal()
            NSDecimalRound(&r, &x, 4, .plain)
            return r
        }
        return bars.map { b in
            let f = factors[b.day] ?? 1
            guard f != 1 else { return b }
            return PaperBar(day: b.day, open: scaled(b.open, f), high: scaled(b.high, f), low: scaled(b.low, f), close: scaled(b.close, f),
                            volume: b.volume, dividend: b.dividend)
        }
    }

    /// Daily bars folded into weeks (Monday–Sunday) or calendar months: first open, highest high, lowest
    /// low, last close, summed volume, dated by the period's last day present (the current, unfinished
    /// period ends at the last bar served: a partial bar, as IB's).
    static func aggregated(_ bars: ArraySlice<PaperBar>, monthly: Bool) -> [PaperBar] {
        func key(_ d: PaperDay) -> Int { monthly ? d / 100 : shift(d, months: 0, days: -weekdayFromMonday(d)) }
        var out: [PaperBar] = []
        var current: PaperBar?
        var currentKey = -1
        for b in bars {
            let k = key(b.day)
            if let c = current, k == currentKey {
                current = PaperBar(day: b.day, open: c.open, high: max(c.high, b.high), low: min(c.low, b.low), close: b.close,
                                   volume: c.volume + b.volume, dividend: c.dividend + b.dividend)
            } else {
                if let c = current { out.append(c) }
                current = b
                currentKey = k
            }
        }
        if let c = current { out.append(c) }
        return out
    }

    /// 0 for Monday … 6 for Sunday.
    static func weekdayFromMonday(_ d: PaperDay) -> Int {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: DateComponents(year: d / 10_000, month: d / 100 % 100, day: d % 100)) else { return 0 }
        return (cal.component(.weekday, from: date) + 5) % 7
    }

    /// (high + low + close) / 3 rounded half up to 4 places: ib-paper's stand-in for the bar's WAP.
    /// In integer units of 10^-8 when the prices have at most 8 places (Decimal division is slow).
    static func typicalPrice(_ b: PaperBar) -> Decimal {
        func units(_ d: Decimal) -> Int64? {
            // d has at most 8 places and d × 10^8 < 10^15, so the double product is within 0.5 of that integer.
            let x = DecimalText.double(d)
            guard d > 0, d.exponent >= -8, x < 1e7 else { return nil }
            return Int64((x * 1e8).rounded())
        }
        if let h = units(b.high), let l = units(b.low), let c = units(b.close) {
            let sum = h + l + c, step: Int64 = 3 * 10_000  // sum / 3, in units of 10^-4
            let q = sum / step + (2 * (sum % step) >= step ? 1 : 0)
            return Decimal(sign: .plus, exponent: -4, significand: Decimal(q))
        }
        var wap = (b.high + b.low + b.close) / 3, r = Decimal()
        NSDecimalRound(&r, &wap, 4, .plain)
        return r
    }

    /// `"<n> <S|D|W|M|Y>"`.
    static func parseDuration(_ s: String) -> (Int, String)? {
        let parts = s.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0, n <= 100_000, ["S", "D", "W", "M", "Y"].contains(parts[1].uppercased()) else { return nil }
        return (n, parts[1].uppercased())
    }

    /// IB's warning 2174 for a date/time without a zone (TWS ≥ 10.17 still serves the data).
    static let impliedZoneWarning = "Warning: You submitted request with date-time attributes without explicit time zone. Please switch to use yyyymmdd-hh:mm:ss in UTC or use instrument time zone, like US/Eastern. Implied time zone functionality will be removed in the next API release"

    /// `day` moved back by `months` months and `days` days (negative days go back).
    static func shift(_ day: PaperDay, months: Int, days: Int) -> PaperDay {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard let date = cal.date(from: DateComponents(year: day / 10_000, month: day / 100 % 100, day: day % 100)),
              let shifted = cal.date(byAdding: DateComponents(month: -months, day: days), to: date) else { return day }
        let c = cal.dateComponents([.year, .month, .day], from: shifted)
        return c.year! * 10_000 + c.month! * 100 + c.day!
    }
}
