import CandlewickTWS
import Foundation

/// Pacing rules enforced per connection (see docs/tws.md).
///
/// Historical requests (error 162 "Historical data request pacing violation"): an identical request
/// within 15 s, six or more requests for the same contract within 2 s, or more than `maxHistorical`
/// requests in 10 minutes — in IB's documented scope only, bars of 30 seconds or less ("Historical
/// Data Limitations"); daily, weekly and monthly requests are never paced. Times are passed in
/// (arrival stamps), so tests drive the 15 s and 10 min windows with any clock.
///
/// Messages: more than `maxMessagesPerSecond` (50) in one second → error 100 once as a warning;
/// a second violation within 60 s → disconnect. The window is rolling: a message counts with every
/// message that arrived less than a second before it; `peakPerSecond` is the most seen in one window.
public struct PaperPacing: Sendable {
    public var maxMessagesPerSecond: Int
    public var maxHistorical: Int
    public var historicalEnabled: Bool
    var messageTimes: [Double] = []
    /// The most messages that arrived within one rolling second on this connection.
    public private(set) var peakPerSecond = 0
    var warnedAt: Double?
    var historical: [(time: Double, key: String, symbol: String)] = []

    public init(maxMessagesPerSecond: Int = 50, maxHistorical: Int = 60, historicalEnabled: Bool = true) {
        self.maxMessagesPerSecond = maxMessagesPerSecond
        self.maxHistorical = maxHistorical
        self.historicalEnabled = historicalEnabled
    }

    public enum Verdict: Sendable, Equatable { case ok, warn, disconnect }

    /// Records one inbound message at `now` (seconds).
    public mutating func message(at now: Double) -> Verdict {
        messageTimes.append(now)
        let cutoff = now - 1
        if let first = messageTimes.firstIndex(where: { $0 > cutoff }), first > 0 { messageTimes.removeFirst(first) }
        peakPerSecond = max(peakPerSecond, messageTimes.count)
        guard messageTimes.count > maxMessagesPerSecond else { return .ok }
        messageTimes.removeAll()
        if let w = warnedAt, now - w < 60 { return .disconnect }
        warnedAt = now
        return .warn
    }

    /// `1 secs` … `30 secs`: the bar sizes IB's pacing rules apply to.
    static func isSmallBar(_ barSize: String) -> Bool {
        let parts = barSize.lowercased().split(separator: " ")
        guard parts.count == 2, parts[1] == "secs" || parts[1] == "sec", let n = Int(parts[0]) else { return false }
        return n <= 30
    }

    /// Records a historical request; returns the pacing error text when it violates a rule.
    public mutating func historical(_ h: TWSHistoricalDataRequest, at now: Double) -> String? {
        guard historicalEnabled, Self.isSmallBar(h.barSizeSetting) else { return nil }
        historical.removeAll { now - $0.time > 600 }
        let symbol = "\(h.contract.conId)|\(h.contract.symbol.uppercased())|\(h.contract.exchange)"
        let key = "\(symbol)|\(h.endDateTime)|\(h.durationStr)|\(h.barSizeSetting)|\(h.whatToShow)|\(h.useRTH)"
        defer { historical.append((now, key, symbol)) }
        if historical.contains(where: { $0.key == key && now - $0.time < 15 }) { return "identical request within 15 seconds" }
        if historical.filter({ $0.symbol == symbol && now - $0.time < 2 }).count >= 5 { return "6 or more requests for the same contract within 2 seconds" }
        if maxHistorical > 0 && historical.count >= maxHistorical { return "more than \(maxHistorical) requests within 10 minutes" }
        return nil
    }
}
