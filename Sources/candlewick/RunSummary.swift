import CandlewickCore
import CandlewickRun
import Foundation

/// The end of a run: one row per symbol, totals, stage timings; printed as a table and written as
/// `summary.json` plus each symbol's `signal.json` and `analysis.json` (raw answer and reasons).
struct RunSummary {
    let runId: String
    let signals: [AnalysisResult]
    let failures: [RunFailure]
    let reissued: Int
    let duplicates: Int
    let stageSeconds: [String: Double]
    /// Orders, fills and the portfolio (nil when the run sent no orders).
    let orders: RunOrders?
    /// Why the run stopped before it finished (nil when it finished).
    let stop: RunStop?

    init(_ outcome: RunOutcome) {
        stop = outcome.stop
        (runId, signals, failures) = (outcome.runId, outcome.signals, outcome.failures)
        (reissued, duplicates, stageSeconds, orders) = (outcome.reissued, outcome.duplicates, outcome.stageSeconds, outcome.orders)
    }

    /// Model spend and refusals.
    var model: AnalysisTotals { AnalysisTotals(signals) }

    /// Symbols counted by action, confidence and order-router's outcome (`not sent` for none).
    var counts: RunCounts { RunCounts(self) }

    /// A symbol's `router` object in summary.json: order-router's decision and what the broker made of it (numbers as
    /// decimal strings, like the signal's levels; absent facts null).
    static func routerObject(_ o: SymbolOrderOutcome) -> [String: Any] {
        ["outcome": o.outcome.rawValue, "code": o.note?.code.rawValue ?? NSNull(), "detail": o.note?.detail ?? NSNull(),
         "clamps": o.clamps.map { ["code": $0.code.rawValue, "detail": $0.detail] }, "intent_id": o.intentId,
         "quantity": o.quantity.map(DecimalText.plain) ?? NSNull(), "confirmed_at_ib": o.confirmedAtIB ?? NSNull(),
         "filled_quantity": o.filledQuantity.map(DecimalText.plain) ?? NSNull(), "fill_price": o.fillPrice.map(DecimalText.plain) ?? NSNull()]
    }

    func write(folder: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = CandlewickJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        for a in signals {
            let dir = (folder as NSString).appendingPathComponent("signals/\(a.signal.symbol)")
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try encoder.encode(a.signal).write(to: URL(fileURLWithPath: "\(dir)/signal.json"))
            try encoder.encode(a).write(to: URL(fileURLWithPath: "\(dir)/analysis.json"))
        }
        let ordersObject: [String: Any] = [
            "placed": orders?.sent.count ?? 0, "confirmed_at_ib": orders?.confirmed?.count ?? NSNull(),
            "unknown_at_ib": orders?.unknown.count ?? 0,
            "filled": orders?.fills.count ?? 0, "paper_clock": orders?.paperDay ?? "",
            "other_candlewick_working_at_ib": orders?.othersWorking?.count ?? NSNull()]
        let object: [String: Any] = [
            "run_id": runId,
            "symbols": signals.map { a -> [String: Any] in
                let s = a.signal
                return ["symbol": s.symbol, "action": s.action.rawValue, "confidence": s.confidence.rawValue,
                        "confidence_score": s.confidenceScore, "entry_price": s.entryPrice.map { "\($0)" } ?? NSNull(),
                        "stop_loss": s.stopLoss.map { "\($0)" } ?? NSNull(), "take_profit": s.takeProfit.map { "\($0)" } ?? NSNull(),
                        "is_actionable": s.isActionable, "provider": s.provider ?? "", "refused_reasons": a.reasons,
                        "latency_ms": a.latencyMs, "order": orders?.status(s.symbol) ?? "",
                        "cost_usd": a.costUsd ?? NSNull(), "shadow": a.shadow,
                        "intent_id": orders?.decisions[s.symbol]?.intentId ?? NSNull(),
                        "router": orders?.outcome(s.symbol).map(Self.routerObject) ?? NSNull()]
            },
            "failures": failures.map { ["symbol": $0.symbol, "reason": $0.reason] },
            "totals": ["symbols": signals.count, "actionable": signals.filter(\.signal.isActionable).count,
                       "failed": failures.count, "reissued": reissued, "duplicates": duplicates, "cost_usd": model.costUSD,
                       "unpriced_analyses": model.unpriced, "refusal_rate": model.refusalRate, "refusals_by_rule": model.refusalsByRule,
                       "by_action": counts.byAction, "by_confidence": counts.byConfidence, "by_router_outcome": counts.byRouterOutcome],
            "stage_seconds": stageSeconds,
            "orders": ordersObject,
            "stopped": stop.map { s -> [String: Any] in
                ["code": s.code.rawValue, "stages": s.stages, "message": s.message,
                 "cut_short": s.cutShort.map { ["symbol": $0.symbol, "stage": $0.stage] }]
            } ?? NSNull(),
        ]
        if let orders {
            let decisions = orders.decisions.values.sorted { $0.symbol < $1.symbol }
            try encoder.encode(decisions).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("orders.json")))
            try encoder.encode(orders.fills.values.sorted { $0.symbol < $1.symbol })
                .write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("trades.json")))
            if let p = orders.portfolio {
                try encoder.encode(p).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("portfolio.json")))
            }
        }
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("summary.json")))
    }

    func printTable(folder: String) {
        func d(_ v: Decimal?) -> String { v.map { "\($0)" } ?? "–" }
        var rows = [["symbol", "action", "confidence", "entry", "stop", "target", "R:R", "analyst", "note"] + (orders == nil ? [] : ["order"])]
        for a in signals {
            let s = a.signal
            rows.append([s.symbol, s.action.rawValue, "\(s.confidence.rawValue) \(Int(s.confidenceScore))", d(s.entryPrice), d(s.stopLoss),
                         d(s.takeProfit), s.riskRewardRatio.map { String(format: "%.2f", $0) } ?? "–", s.provider ?? "",
                         a.reasons.first.map { "refused: \($0.prefix(50))" } ?? (s.isActionable ? "actionable" : "")]
                        + (orders.map { [$0.status(s.symbol)] } ?? []))
        }
        print("")
        print(TextTable.render(rows))
        let cut = Set(stop?.cutShort.map(\.symbol) ?? [])
        for f in failures where !cut.contains(f.symbol) { print("FAILED \(f.symbol): \(f.reason)") }
        if let stop {
            print("STOPPED (\(stop.code.rawValue)): \(stop.message)")
            let byStage = Dictionary(grouping: stop.cutShort, by: \.stage)
            for stage in byStage.keys.sorted() {
                print("CUT SHORT in \(stage): \(byStage[stage]!.map(\.symbol).joined(separator: ", "))")
            }
            if stop.cutShort.isEmpty { print("CUT SHORT: nothing was under way") }
        }
        let t = stageSeconds
        print(String(format: "\n%d symbols, %d actionable, %d failed, %d re-issued, %d duplicate results; charts %.1f s, total %.1f s",
                     signals.count, signals.filter(\.signal.isActionable).count, failures.count, reissued, duplicates,
                     t["charts"] ?? 0, t["total"] ?? 0))
        let m = model
        print(String(format: "model: cost %.4f USD%@, refusal rate %.0f%%%@", m.costUSD,
                     m.unpriced > 0 ? " (+\(m.unpriced) unpriced)" : "", m.refusalRate * 100, m.shadow ? "; SHADOW: nothing submitted" : ""))
        if let o = orders {
            var line = o.confirmed.map { "orders: \($0.count) of \(o.sent.count) placed confirmed at IB" }
                ?? "orders: \(o.sent.count) placed, NOT confirmed by a broker snapshot"
            line += ", \(o.fills.count) filled"
            let unknown = o.unknown.count
            if unknown > 0 { line += ", \(unknown) UNKNOWN at IB" }
            if let others = o.othersWorking, !others.isEmpty {
                line += ", \(others.count) other Candlewick order(s) working at IB not decided in this run (earlier runs, or unknown to the journal: candlewick status)"
            }
            if let p = o.portfolio {
                line += String(format: "; portfolio %.2f (cash %.2f, %d positions)", NSDecimalNumber(decimal: p.totalValue).doubleValue,
                               NSDecimalNumber(decimal: p.cash).doubleValue, p.positions.count)
            }
            if let day = o.paperDay { line += "; ib-paper \(day)" }
            print(line)
        }
        print("Run folder: \(folder)  (report.html, charts/, signals/, summary.json\(orders == nil ? "" : ", orders.json, trades.json, portfolio.json"))")
    }
}
