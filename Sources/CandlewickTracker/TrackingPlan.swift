import CandlewickCore
import Foundation

/// Which tracked run an operation is about: a pipeline run (the MLflow parent) or one symbol of it (a child).
public enum RunRef: Sendable, Hashable, CustomStringConvertible {
    case pipeline(runId: String)
    case symbol(runId: String, symbol: String)

    public var runId: String {
        switch self {
        case .pipeline(let r), .symbol(let r, _): r
        }
    }

    public var symbol: String? {
        if case .symbol(_, let s) = self { return s }
        return nil
    }

    public var description: String { symbol.map { "\(runId)/\($0)" } ?? runId }

    /// The tags that identify the run (the MLflow sink finds an existing run by them after a restart).
    public var identityTags: [String: String] {
        switch self {
        case .pipeline(let r): ["candlewick_run_id": r, "candlewick_kind": "pipeline"]
        case .symbol(let r, let s): ["candlewick_run_id": r, "candlewick_kind": "symbol", "candlewick_symbol": s]
        }
    }
}

/// An artifact's bytes: a spooled attachment, or generated from the record (JSON).
public enum ArtifactContent: Sendable, Hashable {
    case blob(BlobRef)
    case inline(Data)
}

/// One thing to do at the sink. A record becomes a short list of these; every one is idempotent
/// (find-or-create runs by identity tags, parameters with the same value, metric points with the
/// record's timestamp, artifacts overwritten, status set), so replaying a record is harmless.
public enum TrackingOp: Sendable, Hashable {
    /// Find or create the run (a symbol run's parent is ensured first by the sink).
    case ensureRun(RunRef, name: String, tags: [MLflowTag], startTime: Int64)
    case log(RunRef, LogBatch)
    case artifact(RunRef, path: String, content: ArtifactContent, contentType: String)
    case finish(RunRef, status: String, endTime: Int64)
}

/// A decoded spool record: what the planner reads.
public struct TrackedEvent: Sendable {
    public let seq: Int
    public let header: EnvelopeHeader
    public let payload: any BusPayload
    public let attachments: [BlobRef]

    public init(seq: Int, header: EnvelopeHeader, payload: any BusPayload, attachments: [BlobRef]) {
        self.seq = seq
        self.header = header
        self.payload = payload
        self.attachments = attachments
    }

    /// Decodes a journaled record with the standard catalog (it was validated when received).
    public init(record: SpoolRecord, catalog: MessageCatalog = .standard, decoder: JSONDecoder = CandlewickJSON.decoder()) throws {
        let (header, payload) = try catalog.decodeEnvelope(type: record.type, json: Data(record.envelope.utf8), decoder: decoder)
        self.init(seq: record.seq, header: header, payload: payload, attachments: record.attachments)
    }
}

/// Turns records into sink operations. Pure and deterministic: the same records in the same order
/// give the same operations, so after a restart the state is rebuilt by planning the delivered
/// records again (and discarding their operations).
public struct TrackingPlanner: Sendable {
    /// Per pipeline run: its settings, its symbols with a child run, symbols with an order, the last portfolio.
    struct RunState: Sendable {
        var params: [String: String] = [:]
        var symbols: [String] = []
        var ordered = Set<String>()
        var trades: [String: Int] = [:]
        var portfolio: Portfolio?
        /// The run's end, once planned (records planned after it settle the parent again).
        var finished: RunFinished?
    }

    private var runs: [String: RunState] = [:]
    /// The numbered records planned so far: a parent is FINISHED only when its trail is complete.
    public private(set) var trail = AuditTrail()
    /// Records that could not be planned (no run id): seq → reason.
    public private(set) var unplanned: [Int: String] = [:]

    public init() {}

    public static let workflowType = "trading_signal"
    /// Parent-run tags: `complete` / `incomplete`, and what is missing (`none` when complete).
    public static let auditTag = "candlewick.audit"
    public static let auditMissingTag = "candlewick.audit_missing"

    /// The operations for one event (empty when it carries nothing to track).
    public mutating func plan(_ event: TrackedEvent) -> [TrackingOp] {
        let ts = Self.millis(event.header.ts)
        trail.note(event.payload)
        switch event.payload {
        case let p as RunStarted: return planStarted(p, ts: Self.millis(p.startedAt))
        case let p as SymbolRecord: return planSymbol(p, event: event, ts: ts)
        case let p as RunFinished: return planFinished(p, ts: Self.millis(p.finishedAt))
        case let p as Order:
            guard let runId = runId(of: event) else { return [] }
            return planOrder(p, runId: runId, event: event, ts: ts)
        case let p as Trade:
            guard let runId = runId(of: event) else { return [] }
            return planTrade(p, runId: runId, ts: ts)
        case let p as Portfolio:
            guard let runId = runId(of: event) else { return [] }
            return planPortfolio(p, runId: runId, ts: ts)
        default: return []
        }
    }

    /// The envelope's run id; a broker event without one cannot be attributed (noted in `unplanned`).
    private mutating func runId(of event: TrackedEvent) -> String? {
        guard let runId = event.header.runId, !runId.isEmpty else {
            unplanned[event.seq] = "\(event.header.type) \(event.header.id) has no run_id"
            return nil
        }
        return runId
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    private func ensurePipeline(_ runId: String, ts: Int64) -> TrackingOp {
        let ref = RunRef.pipeline(runId: runId)
        return .ensureRun(ref, name: runId, tags: Self.baseTags(ref), startTime: ts)
    }

    private mutating func ensureSymbol(_ runId: String, _ symbol: String, ts: Int64) -> [TrackingOp] {
        if !runs[runId, default: RunState()].symbols.contains(symbol) { runs[runId, default: RunState()].symbols.append(symbol) }
        let ref = RunRef.symbol(runId: runId, symbol: symbol)
        return [ensurePipeline(runId, ts: ts),
                .ensureRun(ref, name: symbol, tags: Self.baseTags(ref) + [MLflowTag("symbol", symbol)], startTime: ts)]
    }

    static func baseTags(_ ref: RunRef) -> [MLflowTag] {
        ref.identityTags.sorted { $0.key < $1.key }.map { MLflowTag($0.key, $0.value) }
            + [MLflowTag("workflow_type", workflowType), MLflowTag("mlflow.source.name", "candlewick-tracker"),
               MLflowTag("mlflow.source.type", "LOCAL")]
    }

    private mutating func planStarted(_ p: RunStarted, ts: Int64) -> [TrackingOp] {
        runs[p.runId, default: RunState()].params.merge(p.params) { old, _ in old }  // MLflow params are immutable: the first value stands
        let ref = RunRef.pipeline(runId: p.runId)
        let params = p.params.sorted { $0.key < $1.key }.map { MLflowParam($0.key, $0.value) }
            + [MLflowParam("symbols", p.symbols.joined(separator: ",")), MLflowParam("symbol_count", "\(p.symbols.count)")]
        var ops = [ensurePipeline(p.runId, ts: ts), .log(ref, LogBatch(params: params))]
        // Read back after its symbols (from the outbox): they get the run's position size now.
        if let size = runs[p.runId]?.params["position_size"] {
            for symbol in runs[p.runId]?.symbols ?? [] {
                ops.append(.log(.symbol(runId: p.runId, symbol: symbol), LogBatch(params: [MLflowParam("position_size", size)])))
            }
        }
        return ops + settle(p.runId)
    }

    private mutating func planSymbol(_ p: SymbolRecord, event: TrackedEvent, ts: Int64) -> [TrackingOp] {
        var ops = ensureSymbol(p.runId, p.symbol, ts: ts)
        let ref = RunRef.symbol(runId: p.runId, symbol: p.symbol)
        let state = runs[p.runId] ?? RunState()
        let s = p.signal
        let placed = state.ordered.contains(p.symbol)
        var params = [MLflowParam("symbol", p.symbol), MLflowParam("llm_provider", p.llmProvider), MLflowParam("model", p.llmModel),
                      MLflowParam("prompt_version", p.promptVersion), MLflowParam("signal_action", s.action.rawValue),
                      MLflowParam("signal_confidence", s.confidence.rawValue), MLflowParam("signal_id", s.signalId)]
        if let size = state.params["position_size"] { params.append(MLflowParam("position_size", size)) }
        var metrics = [MLflowMetric("latest_price", p.latestPrice.doubleValue, timestamp: ts),
                       MLflowMetric("confidence_score", s.confidenceScore, timestamp: ts),
                       MLflowMetric("llm_latency_ms", p.llmLatencyMs, timestamp: ts),
                       MLflowMetric("llm_input_tokens", Double(p.inputTokens), timestamp: ts),
                       MLflowMetric("llm_output_tokens", Double(p.outputTokens), timestamp: ts),
                       MLflowMetric("order_placed", placed ? 1 : 0, timestamp: ts)]
        if let rr = s.riskRewardRatio { metrics.append(MLflowMetric("risk_reward_ratio", rr, timestamp: ts)) }
        if let cost = p.costUsd { metrics.append(MLflowMetric("llm_cost_usd", cost, timestamp: ts)) }
        metrics.append(MLflowMetric("llm_refused", p.reasons.isEmpty ? 0 : 1, timestamp: ts))
        for (name, value) in [("entry_price", s.entryPrice), ("stop_loss", s.stopLoss), ("take_profit", s.takeProfit)] {
            if let value { metrics.append(MLflowMetric(name, value.doubleValue, timestamp: ts)) }
        }
        for (stage, seconds) in p.stageTimings.sorted(by: { $0.key < $1.key }) {
            metrics.append(MLflowMetric("stage_\(stage)_s", seconds, timestamp: ts))
        }
        if let portfolio = state.portfolio {
            metrics.append(MLflowMetric("portfolio_value", portfolio.totalValue.doubleValue, timestamp: ts))
        }
        let tags = [MLflowTag("symbol", p.symbol), MLflowTag("signal_action", s.action.rawValue),
                    MLflowTag("signal_confidence", s.confidence.rawValue), MLflowTag("order_placed", placed ? "true" : "false"),
                    MLflowTag("workflow_type", Self.workflowType)]
        ops.append(.log(ref, LogBatch(params: params, metrics: metrics, tags: tags)))
        for name in [SymbolRecord.dailyChartName, SymbolRecord.weeklyChartName] {
            if let blob = event.attachments.first(where: { $0.name == name }) {
                ops.append(.artifact(ref, path: name, content: .blob(blob), contentType: "image/png"))
            }
        }
        ops.append(.artifact(ref, path: "trading_signal.json", content: .inline(Self.json(s)), contentType: "application/json"))
        ops.append(.artifact(ref, path: "raw_model_answer.txt", content: .inline(Data(p.rawAnswer.utf8)), contentType: "text/plain"))
        if let portfolio = state.portfolio {
            ops.append(.artifact(ref, path: "portfolio.json", content: .inline(Self.json(portfolio)), contentType: "application/json"))
        }
        // Read back after the run's end: the child finishes now, and the parent may be complete.
        if let finished = state.finished {
            ops.append(.finish(ref, status: "FINISHED", endTime: Self.millis(finished.finishedAt)))
            ops += settle(p.runId)
        }
        return ops
    }

    private mutating func planOrder(_ o: Order, runId: String, event: TrackedEvent, ts: Int64) -> [TrackingOp] {
        var ops = ensureSymbol(runId, o.symbol, ts: ts)
        runs[runId, default: RunState()].ordered.insert(o.symbol)
        let ref = RunRef.symbol(runId: runId, symbol: o.symbol)
        let name = Self.fileName(o.orderRef ?? o.brokerOrderId.map { "ib-\($0)" } ?? event.header.id)
        ops.append(.log(ref, LogBatch(metrics: [MLflowMetric("order_placed", 1, timestamp: ts)],
                                      tags: [MLflowTag("order_placed", "true")])))
        ops.append(.artifact(ref, path: "orders/\(name).json", content: .inline(Self.json(o)), contentType: "application/json"))
        return ops
    }

    private mutating func planTrade(_ t: Trade, runId: String, ts: Int64) -> [TrackingOp] {
        var ops = ensureSymbol(runId, t.symbol, ts: ts)
        let n = runs[runId, default: RunState()].trades[t.symbol, default: 0] + 1
        runs[runId, default: RunState()].trades[t.symbol] = n
        let ref = RunRef.symbol(runId: runId, symbol: t.symbol)
        let name = Self.fileName(t.executions.first?.executionId ?? t.orderRef ?? "trade-\(n)")
        var metrics = [MLflowMetric("fills", Double(n), timestamp: ts, step: Int64(n)),
                       MLflowMetric("filled_quantity", t.totalQuantity.doubleValue, timestamp: ts, step: Int64(n))]
        if let price = t.averagePrice { metrics.append(MLflowMetric("fill_price", price.doubleValue, timestamp: ts, step: Int64(n))) }
        ops.append(.log(ref, LogBatch(metrics: metrics)))
        ops.append(.artifact(ref, path: "trades/\(name).json", content: .inline(Self.json(t)), contentType: "application/json"))
        return ops
    }

    private mutating func planPortfolio(_ p: Portfolio, runId: String, ts: Int64) -> [TrackingOp] {
        runs[runId, default: RunState()].portfolio = p
        let body = Self.json(p)
        var ops = [ensurePipeline(runId, ts: ts)]
        let metrics = [MLflowMetric("portfolio_value", p.totalValue.doubleValue, timestamp: ts),
                       MLflowMetric("portfolio_cash", p.cash.doubleValue, timestamp: ts)]
        for ref in [RunRef.pipeline(runId: runId)] + (runs[runId]?.symbols ?? []).map({ RunRef.symbol(runId: runId, symbol: $0) }) {
            ops.append(.log(ref, LogBatch(metrics: ref.symbol == nil ? metrics : [metrics[0]])))
            ops.append(.artifact(ref, path: "portfolio.json", content: .inline(body), contentType: "application/json"))
        }
        return ops
    }

    private mutating func planFinished(_ p: RunFinished, ts: Int64) -> [TrackingOp] {
        let ref = RunRef.pipeline(runId: p.runId)
        runs[p.runId, default: RunState()].finished = p
        var ops = [ensurePipeline(p.runId, ts: ts)]
        let metrics = p.totals.sorted { $0.key < $1.key }.map { MLflowMetric("total_\($0.key)", $0.value, timestamp: ts) }
        if !metrics.isEmpty { ops.append(.log(ref, LogBatch(metrics: metrics))) }
        for symbol in runs[p.runId]?.symbols ?? [] {
            ops.append(.finish(.symbol(runId: p.runId, symbol: symbol), status: "FINISHED", endTime: ts))
        }
        return ops + settle(p.runId)
    }

    /// The parent's end as the trail stands: the run's own status when every numbered record is
    /// held, else FAILED with `candlewick.audit=incomplete` and what is missing. Records from a
    /// publisher that does not number them keep the run's status and get no audit tags.
    private func settle(_ runId: String) -> [TrackingOp] {
        guard let finished = runs[runId]?.finished else { return [] }
        let ref = RunRef.pipeline(runId: runId)
        let end = Self.millis(finished.finishedAt)
        guard finished.trail != nil, let run = trail.runs[runId] else { return [.finish(ref, status: finished.status.rawValue, endTime: end)] }
        let complete = run.isComplete
        let tags = [MLflowTag(Self.auditTag, complete ? "complete" : "incomplete"), MLflowTag(Self.auditMissingTag, run.missingSummary)]
        return [.log(ref, LogBatch(tags: tags)), .finish(ref, status: complete ? finished.status.rawValue : RunEndStatus.failed.rawValue, endTime: end)]
    }

    /// The finished runs whose numbered audit trail is incomplete (their parent is tagged
    /// `candlewick.audit=incomplete`), most recently finished first, at most `limit`.
    public func incompleteAudits(limit: Int = HeartbeatAlert.maxPerHeartbeat) -> [HeartbeatAlert] {
        runs.compactMap { runId, state -> (Date, HeartbeatAlert)? in
            guard let finished = state.finished, finished.trail != nil, let run = trail.runs[runId], !run.isComplete else { return nil }
            return (finished.finishedAt, HeartbeatAlert(.auditIncomplete, id: runId,
                                                        detail: "parent run marked incomplete; missing \(run.missingSummary)"))
        }
        .sorted { ($0.0, $0.1.id) > ($1.0, $1.1.id) }.prefix(limit).map(\.1)
    }

    /// A safe artifact file name from an id.
    static func fileName(_ raw: String) -> String {
        let cleaned = String(raw.unicodeScalars.map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || "-_.".unicodeScalars.contains(s)) ? Character(s) : "_"
        })
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return trimmed.isEmpty ? "_" : String(trimmed.prefix(120))
    }

    static func json<T: Encodable>(_ value: T) -> Data {
        let encoder = CandlewickJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
