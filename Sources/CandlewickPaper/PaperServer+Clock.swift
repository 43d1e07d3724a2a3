import Foundation

/// ib-paper's simulated time and the admin commands that move the simulated day (`setdate`, `reset`).
///
/// The simulated now is the as-of day's regular close (16:00 US/Eastern, 13:00 on an early close, see
/// `PaperTradingHours`) plus the wall time elapsed since the day last moved: days follow the simulation,
/// while limits counted in wall time (orders per minute) still see seconds pass.
extension PaperServer {
    /// The instant of `day`'s regular close (16:00 US/Eastern, 13:00 on an early close; 16:00 for a closed day).
    public static func closeInstant(_ day: PaperDay) -> Date? {
        PaperEndTime.instant(day: day, seconds: PaperTradingHours.close(day) ?? PaperTradingHours.regularClose, in: PaperEndTime.exchangeZone)
    }

    /// The simulated time for as-of day `asOf`, `elapsed` wall seconds after the day last moved.
    public static func simulatedTime(asOf: PaperDay, elapsed: Double) -> Date? {
        closeInstant(asOf).map { $0.addingTimeInterval(max(0, elapsed)) }
    }

    /// Monotonic seconds (not affected by wall-clock steps).
    static func uptime() -> Double { ProcessInfo.processInfo.systemUptime }

    /// ib-paper's now (what `reqCurrentTime` answers). Caller holds `lock`.
    func simulatedNowLocked() -> Date {
        Self.simulatedTime(asOf: broker.state.asOf, elapsed: Self.uptime() - dayMovedAt) ?? Date()
    }

    /// ib-paper's now (what `reqCurrentTime` answers).
    public var simulatedNow: Date { lock.withLock { simulatedNowLocked() } }

    /// Parses `YYYYMMDD` (a real calendar date); nil otherwise.
    static func parseDay(_ s: Substring) -> PaperDay? {
        guard s.count == 8, s.allSatisfy(\.isASCII), s.allSatisfy(\.isNumber), let d = Int(s) else { return nil }
        let (y, m, day) = (d / 10_000, d / 100 % 100, d % 100)
        guard y >= 1900, (1...12).contains(m), day >= 1, day <= PaperEndTime.daysIn(month: m, year: y) else { return nil }
        return d
    }

    /// Why `day` is not a trading day of the data, or nil when it is.
    func notTradingLocked(_ day: PaperDay) -> String? {
        let calendar = broker.market.calendar
        guard let first = calendar.first, let last = calendar.last else { return "the data has no trading days" }
        if day > last { return "\(day) is past the end of data (last trading day \(last))" }
        if day < first { return "\(day) is before the start of data (first trading day \(first))" }
        if broker.market.day(after: PaperBroker.shift(day, months: 0, days: -1)) != day {
            return "\(day) is not a trading day (no bars that day; next trading day \(broker.market.day(after: day).map(String.init) ?? "none"))"
        }
        return nil
    }

    /// Moves forward to trading day `day`, matching working orders day by day exactly like `advance`.
    /// Returns the error text when `day` is in the past, not a trading day or past the end of data; the new
    /// state is on disk when it returns.
    public func setDate(_ day: PaperDay) -> Result<PaperDay, PaperCommandError> {
        let result = lock.withLock { () -> Result<PaperDay, PaperCommandError> in
            let asOf = broker.state.asOf
            if day < asOf { return .failure(PaperCommandError("\(day) is before as_of=\(asOf); setdate only moves forward (reset goes back)")) }
            if let why = notTradingLocked(day) { return .failure(PaperCommandError(why)) }
            var reached: [PaperDay] = []
            while broker.state.asOf < day, let out = broker.advanceDay() {
                reached.append(broker.state.asOf)
                deliverLocked(out)
            }
            dayMoved(reached)
            return .success(broker.state.asOf)
        }
        if case .success = result { flushState() }
        return result
    }

    /// Returns the account to a fresh state (starting cash; no orders, executions or positions) at as-of `day`
    /// (nil: the starting default, `--as-of` or `defaultAsOf`). Order, perm and execution ids keep increasing,
    /// so none is reused. The new state is on disk when it returns.
    public func reset(to day: PaperDay?) -> Result<PaperDay, PaperCommandError> {
        let result = lock.withLock { () -> Result<PaperDay, PaperCommandError> in
            guard let target = day ?? config.asOf ?? Self.defaultAsOf(broker.market) else {
                return .failure(PaperCommandError("no default as-of day; give one: reset YYYYMMDD"))
            }
            if let why = notTradingLocked(target) { return .failure(PaperCommandError(why)) }
            broker.reset(asOf: target)
            deliverLocked([])
            dayMoved([target])
            for c in connections.values where c.positionsSubscribed { c.sendLocked(broker.positionEvents()) }
            logger.notice("admin.reset", metadata: ["as_of": "\(target)", "cash": "\(broker.state.cash)"])
            return .success(target)
        }
        if case .success = result { flushState() }
        return result
    }

    /// Notes that the simulated day moved (its wall-time origin restarts) and tells account-summary subscribers. Caller holds `lock`.
    func dayMoved(_ reached: [PaperDay]) {
        guard !reached.isEmpty else { return }
        dayMovedAt = Self.uptime()
        for c in connections.values { c.sendAccountSummariesLocked() }
        logger.info("day.advanced", metadata: ["as_of": "\(broker.state.asOf)"])
    }
}

/// Why an admin command was refused: the text after `error: `.
public struct PaperCommandError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension PaperBroker {
    /// A fresh account at `asOf`: starting cash, no orders, fills or positions. Ids only grow: every client's
    /// next order id stays above everything used before (`PaperState.orderIdFloor`), perm and execution ids go on.
    public mutating func reset(asOf: PaperDay) {
        let old = state
        var fresh = PaperState(asOf: asOf, account: old.account, cash: old.startingCash)
        fresh.maxOrderId = old.maxOrderId
        fresh.orderIdFloor = max(old.orderIdFloor ?? 0, old.orders.map(\.orderId).max() ?? 0, old.maxOrderId.values.max() ?? 0)
        fresh.nextPermId = old.nextPermId
        fresh.nextExecSeq = old.nextExecSeq
        state = fresh
    }
}
