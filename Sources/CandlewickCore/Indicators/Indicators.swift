/// Technical indicators over `Double` series, computed exactly the way TA-Lib computes them (same
/// seeding, same running sums, same undefined prefix), so values agree with TA-Lib to ~1e-12.
///
/// Every function returns an array as long as its input; positions where the indicator is not yet
/// defined hold `Double.nan` (never 0). A period that is < 1, or longer than the series, gives an
/// all-NaN result rather than an error: "not enough history" is a normal state for a young symbol.
public enum Indicators {
    /// TA-Lib's "is zero" tolerance (`TA_IS_ZERO`).
    static let epsilon = 1e-14

    /// Simple moving average; first value at index `period − 1`.
    /// TA-Lib keeps a running sum (add the new value, output, subtract the oldest).
    public static func sma(_ x: [Double], period: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard period >= 1, x.count >= period else { return out }
        let p = Double(period)
        var total = 0.0
        for i in 0..<(period - 1) { total += x[i] }
        var trailing = 0
        for i in (period - 1)..<x.count {
            total += x[i]
            out[i] = total / p
            total -= x[trailing]
            trailing += 1
        }
        return out
    }

    /// Exponential moving average with k = 2 / (period + 1), seeded with the SMA of the first
    /// `period` values; first value at index `period − 1`.
    public static func ema(_ x: [Double], period: Int) -> [Double] {
        emaSeeded(x, period: period, firstOutput: period - 1)
    }

    /// TA-Lib's `TA_INT_EMA` starting its output at `firstOutput` (≥ period − 1): the seed is the
    /// mean of the `period` values ending at `firstOutput`. MACD uses this for its fast EMA.
    static func emaSeeded(_ x: [Double], period: Int, firstOutput: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard period >= 1, firstOutput >= period - 1, firstOutput < x.count else { return out }
        let k = 2.0 / (Double(period) + 1)
        var sum = 0.0
        for i in (firstOutput - period + 1)...firstOutput { sum += x[i] }
        var prev = sum / Double(period)
        out[firstOutput] = prev
        var i = firstOutput + 1
        while i < x.count {
            prev = ((x[i] - prev) * k) + prev
            out[i] = prev
            i += 1
        }
        return out
    }

    /// Wilder's RSI; first value at index `period`. The first averages are simple means of the
    /// first `period` gains and losses; a series with no movement gives 0, as in TA-Lib.
    public static func rsi(_ x: [Double], period: Int = 14) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard period >= 2, x.count > period else { return out }
        let p = Double(period)
        var gain = 0.0, loss = 0.0
        for i in 1...period {
            let d = x[i] - x[i - 1]
            if d < 0 { loss -= d } else { gain += d }
        }
        gain /= p
        loss /= p
        func value() -> Double {
            let total = gain + loss
            return abs(total) < epsilon ? 0 : 100 * (gain / total)
        }
        out[period] = value()
        var i = period + 1
        while i < x.count {
            let d = x[i] - x[i - 1]
            loss *= p - 1
            gain *= p - 1
            if d < 0 { loss -= d } else { gain += d }
            loss /= p
            gain /= p
            out[i] = value()
            i += 1
        }
        return out
    }

    /// MACD line, signal and histogram (TA-Lib `TA_MACD`): both EMAs start at index `slow − 1`
    /// (the fast one seeded with the mean of the `fast` closes ending there), the signal is an EMA
    /// of the MACD line, and all three are undefined before `(slow − 1) + (signal − 1)`.
    public static func macd(_ x: [Double], fast: Int = 12, slow: Int = 26, signal: Int = 9)
        -> (macd: [Double], signal: [Double], histogram: [Double])
    {
        let n = x.count
        var line = [Double](repeating: .nan, count: n)
        var sig = [Double](repeating: .nan, count: n)
        var hist = [Double](repeating: .nan, count: n)
        var (f, s) = (fast, slow)
        if s < f { swap(&f, &s) }
        let start = s - 1
        let first = start + signal - 1
        guard f >= 2, signal >= 1, n > first else { return (line, sig, hist) }
        let fastEMA = emaSeeded(x, period: f, firstOutput: start)
        let slowEMA = emaSeeded(x, period: s, firstOutput: start)
        var raw = [Double](repeating: .nan, count: n)
        for i in start..<n { raw[i] = fastEMA[i] - slowEMA[i] }
        let signalEMA = emaSeeded(Array(raw[start...]), period: signal, firstOutput: signal - 1)
        for i in first..<n {
            line[i] = raw[i]
            sig[i] = signalEMA[i - start]
            hist[i] = line[i] - sig[i]
        }
        return (line, sig, hist)
    }

    /// Bollinger Bands around an SMA with the population standard deviation (÷ period), computed
    /// as TA-Lib does: sqrt(mean(x²) − mean²) from running sums, 0 when that is not positive.
    public static func bollinger(_ x: [Double], period: Int = 20, deviations: Double = 2)
        -> (upper: [Double], middle: [Double], lower: [Double])
    {
        let middle = sma(x, period: period)
        var upper = [Double](repeating: .nan, count: x.count)
        var lower = [Double](repeating: .nan, count: x.count)
        guard period >= 2, x.count >= period else { return (upper, middle, lower) }
        let p = Double(period)
        var squares = 0.0
        for i in 0..<(period - 1) { squares += x[i] * x[i] }
        var trailing = 0
        for i in (period - 1)..<x.count {
            squares += x[i] * x[i]
            var meanSquares = squares / p
            squares -= x[trailing] * x[trailing]
            trailing += 1
            meanSquares -= middle[i] * middle[i]
            let sd = meanSquares < epsilon ? 0 : meanSquares.squareRoot()
            upper[i] = middle[i] + deviations * sd
            lower[i] = middle[i] - deviations * sd
        }
        return (upper, middle, lower)
    }

    /// True range: from index 1, max(high − low, |high − previous close|, |low − previous close|).
    public static func trueRange(high: [Double], low: [Double], close: [Double]) -> [Double] {
        let n = min(high.count, low.count, close.count)
        var out = [Double](repeating: .nan, count: n)
        guard n >= 2 else { return out }
        for i in 1..<n {
            let prev = close[i - 1]
            var greatest = high[i] - low[i]
            let a = abs(prev - high[i])
            if a > greatest { greatest = a }
            let b = abs(low[i] - prev)
            if b > greatest { greatest = b }
            out[i] = greatest
        }
        return out
    }

    /// Wilder's average true range; first value at index `period`, the mean of the true ranges 1…period.
    public static func atr(high: [Double], low: [Double], close: [Double], period: Int = 14) -> [Double] {
        let tr = trueRange(high: high, low: low, close: close)
        var out = [Double](repeating: .nan, count: tr.count)
        guard period >= 1, tr.count > period else { return out }
        let p = Double(period)
        var total = 0.0
        for i in 1...period { total += tr[i] }
        var prev = total / p
        out[period] = prev
        var i = period + 1
        while i < tr.count {
            prev *= p - 1
            prev += tr[i]
            prev /= p
            out[i] = prev
            i += 1
        }
        return out
    }
}
