import Foundation

/// Readable axis labels: round steps of 1, 2, 2.5 or 5 × 10^k, and number formats that adapt to
/// the magnitude (0.0001 … 1,000,000).
public enum AxisTicks {
    /// Ticks covering [low, high] with about `target` steps.
    public static func ticks(low: Double, high: Double, target: Int) -> [Double] {
        guard high > low, low.isFinite, high.isFinite, target > 0 else { return [] }
        let step = niceStep((high - low) / Double(target))
        var t = (low / step).rounded(.up) * step
        var out: [Double] = []
        while t <= high + step * 1e-9, out.count < 100 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }

    /// The smallest step of the form {1, 2, 2.5, 5} × 10^k that is ≥ `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 2.5, 5, 10] where m * magnitude >= raw * (1 - 1e-12) { return m * magnitude }
        return 10 * magnitude
    }

    /// A price label with as many decimals as `step` needs (at least 2 below 1,000).
    public static func priceLabel(_ value: Double, step: Double) -> String {
        let decimals = max(step >= 1 ? 0 : Int((-log10(step)).rounded(.up)), abs(value) < 1000 ? 2 : 0)
        return grouped(value, decimals: min(decimals, 8))
    }

    /// `1234567.891` → `1,234,567.89` with `decimals` decimals.
    public static func grouped(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", abs(value))
        let parts = text.split(separator: ".", maxSplits: 1)
        var integer = String(parts[0])
        var groupedInt = ""
        while integer.count > 3 {
            groupedInt = "," + integer.suffix(3) + groupedInt
            integer = String(integer.dropLast(3))
        }
        groupedInt = integer + groupedInt
        return (value < 0 ? "-" : "") + groupedInt + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// `12_300_000` → `12.3M`, `4_500` → `4.5K`.
    public static func compact(_ value: Double) -> String {
        let a = abs(value)
        switch a {
        case 1e9...: return String(format: "%.1fB", value / 1e9)
        case 1e6...: return String(format: "%.1fM", value / 1e6)
        case 1e3...: return String(format: "%.1fK", value / 1e3)
        default: return String(format: "%.0f", value)
        }
    }
}
