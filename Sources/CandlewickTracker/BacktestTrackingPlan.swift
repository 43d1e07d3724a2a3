import CandlewickCore
import Foundation

/// Why a backtest's result files cannot be logged to MLflow; names the file and what is wrong.
public struct BacktestTrackingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "backtest tracking: \(message)" }
}

/// What a backtest puts in MLflow, worked out from its result files alone (pure: the same files give the same plan):
/// one parent run for the backtest and one child run per as-of day. Runs are found again by their identity tags
/// (`candlewick_kind`, `candlewick_backtest` = the fingerprint, `candlewick_as_of`), and every metric point carries a
/// timestamp taken from the data (the day, never the upload time), so logging the same files again changes nothing.
///
/// Parent (run name `backtest <fingerprint>`): params = metrics.json's `backtest` (flattened, lists joined by commas)
/// plus `fingerprint`, `as_of_days`, `symbol_count`; metrics = every number of metrics.json (key path joined by dots:
/// `overall.hit_rate`, `by_confidence.HIGH.average_r`, `split.out_of_sample.metrics.overall.hit_rate` …) and of
/// calibration.json under `calibration.` (bins left out), at step 0 with the timestamp of `scored_through`; `equity`
/// and `equity.<benchmark>` over steps (step = index of the day in equity.csv, timestamp = that day at 00:00 UTC).
///
/// Child per as-of day (run name `as-of <day>`): params `as_of`, `run_id` (the day's pipeline run id); metrics
/// counted from signals.csv and trades.csv rows of that day (step = index of the day, timestamp = the day); artifacts
/// `signals.csv` and `trades.csv` holding that day's rows under the files' header.
public struct BacktestTrackingPlan: Sendable, Hashable {
    /// One run's content.
    public struct Run: Sendable, Hashable {
        public var name: String
        /// The tags that identify the run (searched before a run is created).
        public var identity: [String: String]
        public var tags: [MLflowTag]
        public var batch: LogBatch
        /// Artifacts generated from the files (path in the run → bytes).
        public var artifacts: [String: Data]
    }

    public var parent: Run
    /// By as-of day, in day order.
    public var days: [(day: String, run: Run)]

    public static func == (a: Self, b: Self) -> Bool {
        a.parent == b.parent && a.days.map(\.day) == b.days.map(\.day) && a.days.map(\.run) == b.days.map(\.run)
    }

    public func hash(into h: inout Hasher) {
        h.combine(parent)
        for d in days { h.combine(d.day); h.combine(d.run) }
    }

    /// `YYYY-MM-DD` at 00:00 UTC in epoch milliseconds.
    public static func timestamp(_ day: String) -> Int64? { CalendarDay.number(day).map { Int64($0) * 86_400_000 } }

    /// The plan for a backtest with `fingerprint` from the contents of its metrics.json, calibration.json, equity.csv,
    /// signals.csv and trades.csv.
    public static func make(fingerprint: String, metrics: Data, calibration: Data, equity: String, signals: String, trades: String) throws
        -> BacktestTrackingPlan
    {
        guard let m = JSONValue.object(metrics) else { throw BacktestTrackingError("metrics.json is not a JSON object") }
        guard let c = JSONValue.object(calibration) else { throw BacktestTrackingError("calibration.json is not a JSON object") }
        guard case .object(let settings)? = m["backtest"] else { throw BacktestTrackingError("metrics.json has no \"backtest\" object") }
        let signalTable = try CSVTable(signals, file: "signals.csv", required: ["as_of", "symbol", "action", "confidence_score", "router_outcome"])
        let tradeTable = try CSVTable(trades, file: "trades.csv", required: ["as_of", "filled", "hit_target", "pnl", "commission"])
        let equityTable = try CSVTable(equity, file: "equity.csv", required: ["date", "equity"])

        let days = Array(Set(signalTable.column("as_of"))).sorted()
        for d in days where timestamp(d) == nil { throw BacktestTrackingError("signals.csv: as_of \"\(d)\" is not a date YYYY-MM-DD") }
        let oosFrom = settings["oos_from"].flatMap(\.text)

        // Parent.
        var params = flatten(settings, prefix: "").map { MLflowParam($0.key, $0.value) }
        params += [MLflowParam("fingerprint", fingerprint), MLflowParam("as_of_days", "\(days.count)"),
                   MLflowParam("symbol_count", "\(settings["universe"].flatMap { if case .array(let a) = $0 { a.count } else { nil } } ?? 0)")]
        let scored = m["scored_through"].flatMap(\.text) ?? equityTable.column("date").last ?? days.last ?? "1970-01-01"
        guard let summaryTime = timestamp(scored) else { throw BacktestTrackingError("metrics.json: scored_through \"\(scored)\" is not a date") }
        var summary = numbers(m, prefix: "", skip: ["backtest", "assumptions"])
        summary += numbers(c, prefix: "calibration.", skip: ["bins"])
        var metricPoints = summary.map { MLflowMetric($0.key, $0.value, timestamp: summaryTime, step: 0) }
        let curves = equityTable.header.filter { $0 != "date" }
        for (step, row) in equityTable.rows.enumerated() {
            let date = equityTable.value(row, "date")
            guard let ts = timestamp(date) else { throw BacktestTrackingError("equity.csv row \(step + 2): date \"\(date)\" is not a date YYYY-MM-DD") }
            for curve in curves {
                let text = equityTable.value(row, curve)
                guard !text.isEmpty else { continue }
                guard let v = Double(text) else { throw BacktestTrackingError("equity.csv row \(step + 2): \(curve) \"\(text)\" is not a number") }
                metricPoints.append(MLflowMetric(curve == "equity" ? "equity" : "equity.\(curve)", v, timestamp: ts, step: Int64(step)))
            }
        }
        let parentIdentity = ["candlewick_kind": "backtest", "candlewick_backtest": fingerprint]
        var parentTags = identityTags(parentIdentity) + [MLflowTag("workflow_type", "backtest"),
                                                         MLflowTag("mlflow.source.name", "candlewick-backtest"), MLflowTag("mlflow.source.type", "LOCAL")]
        if let oosFrom { parentTags.append(MLflowTag("oos_from", oosFrom)) }
        let parent = Run(name: "backtest \(fingerprint)", identity: parentIdentity, tags: parentTags,
                         batch: LogBatch(params: params, metrics: metricPoints, tags: parentTags), artifacts: [:])

        // One child per as-of day.
        var children: [(day: String, run: Run)] = []
        for (index, day) in days.enumerated() {
            let sig = signalTable.rows.filter { signalTable.value($0, "as_of") == day }
            let trd = tradeTable.rows.filter { tradeTable.value($0, "as_of") == day }
            let ts = timestamp(day)!
            var counts: [(String, Double)] = [("signals", Double(sig.count))]
            for action in ["BUY", "SELL", "HOLD"] {
                counts.append((action.lowercased(), Double(sig.filter { signalTable.value($0, "action") == action }.count)))
            }
            let outcome = sig.map { signalTable.value($0, "router_outcome") }
            counts.append(("placed", Double(outcome.filter { $0 == "placed" || $0 == "placed_exit" }.count)))
            counts.append(("denied", Double(outcome.filter { $0.hasPrefix("denied:") }.count)))
            counts.append(("failed", Double(outcome.filter { $0 == "failed" }.count)))
            let scores = sig.compactMap { Double(signalTable.value($0, "confidence_score")) }
            if !scores.isEmpty { counts.append(("mean_confidence_score", scores.reduce(0, +) / Double(scores.count))) }
            let filled = trd.filter { tradeTable.value($0, "filled") == "true" }
            counts.append(("with_levels", Double(trd.count)))
            counts.append(("trades", Double(filled.count)))
            counts.append(("wins", Double(filled.filter { tradeTable.value($0, "hit_target") == "true" }.count)))
            counts.append(("losses", Double(filled.filter { tradeTable.value($0, "hit_target") == "false" }.count)))
            counts.append(("pnl", filled.reduce(0) { $0 + (Double(tradeTable.value($1, "pnl")) ?? 0) }))
            counts.append(("commissions", filled.reduce(0) { $0 + (Double(tradeTable.value($1, "commission")) ?? 0) }))
            let identity = ["candlewick_kind": "backtest_day", "candlewick_backtest": fingerprint, "candlewick_as_of": day]
            var tags = identityTags(identity)
            let runId = "bt-\(fingerprint)-" + day.replacingOccurrences(of: "-", with: "")
            tags += [MLflowTag("candlewick_run_id", runId), MLflowTag("workflow_type", "backtest"),
                     MLflowTag("mlflow.source.name", "candlewick-backtest"), MLflowTag("mlflow.source.type", "LOCAL")]
            if let oosFrom { tags.append(MLflowTag("sample", day < oosFrom ? "in_sample" : "out_of_sample")) }
            let batch = LogBatch(params: [MLflowParam("as_of", day), MLflowParam("run_id", runId)],
                                 metrics: counts.map { MLflowMetric($0.0, $0.1, timestamp: ts, step: Int64(index)) }, tags: tags)
            children.append((day, Run(name: "as-of \(day)", identity: identity, tags: tags, batch: batch, artifacts: [
                "signals.csv": Data(signalTable.text(rows: sig).utf8), "trades.csv": Data(tradeTable.text(rows: trd).utf8),
            ])))
        }
        return BacktestTrackingPlan(parent: parent, days: children)
    }

    static func identityTags(_ identity: [String: String]) -> [MLflowTag] {
        identity.sorted { $0.key < $1.key }.map { MLflowTag($0.key, $0.value) }
    }

    /// Every number of a JSON object (booleans, strings and lists left out), keyed by its dotted path, sorted by key.
    static func numbers(_ object: [String: JSONValue], prefix: String, skip: Set<String>) -> [(key: String, value: Double)] {
        var out: [(key: String, value: Double)] = []
        for (key, value) in object where !skip.contains(key) {
            switch value {
            case .number(let n): out.append((prefix + key, n))
            case .object(let inner): out += numbers(inner, prefix: prefix + key + ".", skip: [])
            default: continue
            }
        }
        return out.sorted { $0.key < $1.key }
    }

    /// A JSON object's leaves as parameter text (lists joined by commas, nulls left out), by dotted path.
    static func flatten(_ object: [String: JSONValue], prefix: String) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for (key, value) in object {
            switch value {
            case .object(let inner): out += flatten(inner, prefix: prefix + key + ".")
            case .array(let list): out.append((prefix + key, list.compactMap(\.text).joined(separator: ",")))
            default: if let t = value.text { out.append((prefix + key, t)) }
            }
        }
        return out.sorted { $0.key < $1.key }
    }
}

/// What the plan needs of a JSON value (CandlewickCore's `JSONValue`) to walk metrics.json and calibration.json.
extension JSONValue {
    /// A leaf as text: a whole number without a fraction, other numbers rounded to 6 places; nil for null, lists, objects.
    var text: String? {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : BacktestFiles.number(n)
        case .string(let s): s
        default: nil
        }
    }

    /// The object's members; nil when not an object.
    static func object(_ data: Data) -> [String: JSONValue]? {
        guard case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        return o
    }
}
