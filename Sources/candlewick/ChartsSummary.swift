import CandlewickCore
import CandlewickRun
import Foundation

/// A one-line progress display on stderr (only when stderr is a terminal; otherwise a line per 10%).
final class ProgressLine: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let tty = isatty(2) == 1
    private var lastDecile = -1

    init(total: Int, label: String = "charts") {
        self.total = total
        self.label = label
    }

    func update(done: Int, note: String) {
        let pct = total > 0 ? done * 100 / total : 100
        if tty {
            let width = 30, filled = total > 0 ? done * width / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r  \(label) [\(bar)] \(done)/\(total) \(pct)%  \(note.padding(toLength: 8, withPad: " ", startingAt: 0))".utf8))
        } else if pct / 10 != lastDecile {
            lastDecile = pct / 10
            FileHandle.standardError.write(Data("  \(label) \(done)/\(total) (\(pct)%)\n".utf8))
        }
    }

    func finish() { if tty { FileHandle.standardError.write(Data("\n".utf8)) } }
}

/// The table printed at the end of a chart run.
enum ChartsSummary {
    static func print(_ outcome: RunOutcome, out: String) {
        let (results, failures) = (outcome.charts, outcome.failures)
        func f(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
        var rows = [["symbol", "status", "as of", "close", "SMA 50", "SMA 200", "RSI 14", "MACD hist", "render ms", "worker"]]
        for r in results {
            let i = r.indicators
            rows.append([r.symbol, r.status, i.map { UTCTimestamp.formatDay($0.timestamp) } ?? "-", r.lastClose.map { "\($0)" } ?? "n/a",
                         f(i?.sma50), f(i?.sma200), f(i?.rsi14, 1), f(i?.macdHistogram, 3), f(r.renderMs, 1), r.worker])
        }
        Swift.print("\n" + TextTable.render(rows, leftAligned: [0, 1, 9]))
        for f in failures { Swift.print("FAILED \(f.symbol): \(f.reason)") }
        Swift.print(String(format: "\n%d charted, %d failed, %d re-issued, %d duplicate results, %.1f s. Charts: %@/<SYMBOL>/",
                           results.filter { $0.status == "ok" }.count, failures.count + results.filter { $0.status != "ok" }.count,
                           outcome.reissued, outcome.duplicates, outcome.stageSeconds["total"] ?? 0, out))
    }
}
