import Foundation

/// Weekly bars made from daily bars.
public struct WeeklyBars: Sendable {
    /// One bar per ISO week (Monday–Sunday, UTC), stamped with the timestamp of the week's last
    /// trading day.
    public let bars: [OHLCVBar]
    /// Whether the last week is still in progress: its last daily bar is before that week's Friday
    /// and `asOf` falls in the same week (so more daily bars may still come).
    public let lastWeekIsPartial: Bool
}

/// Resamples daily bars into weeks: open = first open, close = last close, high/low = extremes,
/// volume = sum. Holidays simply make a week shorter; a week with no bars does not exist.
public enum WeeklyResampler {
    /// - Parameter asOf: "now" for deciding whether the last week is partial (the data's fetch time).
    public static func weekly(_ daily: [OHLCVBar], asOf: Date) throws -> WeeklyBars {
        var out: [OHLCVBar] = []
        var i = 0
        while i < daily.count {
            let week = weekIndex(daily[i].timestamp)
            var j = i
            var high = daily[i].high, low = daily[i].low, volume = Decimal(0)
            while j < daily.count, weekIndex(daily[j].timestamp) == week {
                high = max(high, daily[j].high)
                low = min(low, daily[j].low)
                volume += daily[j].volume
                j += 1
            }
            out.append(try OHLCVBar(timestamp: daily[j - 1].timestamp, open: daily[i].open, high: high, low: low,
                                    close: daily[j - 1].close, volume: volume))
            i = j
        }
        var partial = false
        if let last = daily.last {
            let lastDay = dayNumber(last.timestamp)
            let friday = weekIndex(last.timestamp) * 7 + 4 - 3   // days since epoch of that week's Friday
            partial = lastDay < friday && weekIndex(asOf) == weekIndex(last.timestamp)
        }
        return WeeklyBars(bars: out, lastWeekIsPartial: partial)
    }

    /// Days since 1970-01-01 (a Thursday), UTC.
    static func dayNumber(_ d: Date) -> Int { Int((d.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// Monday-based week number: days since the Monday 1969-12-29, divided by 7.
    static func weekIndex(_ d: Date) -> Int {
        let days = dayNumber(d) + 3
        return days >= 0 ? days / 7 : -((-days + 6) / 7)
    }
}
