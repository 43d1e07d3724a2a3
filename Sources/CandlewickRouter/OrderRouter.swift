import CandlewickBus
import CandlewickCore
import Foundation
import Logging

/// The order path: signal → risk gate → journaled intent → gateway-bridge → IB, and IB's reports
/// back into the journal. Exactly-once: an intent is journaled (fsync) before it is sent, carries
/// its id to IB as `orderRef`, and after every start and gateway reconnect the journal is reconciled
/// with IB's orders; until that reconciliation completes no new order is sent (cancels still are).
///
/// The actor runs on a thread of its own (`executor`): the journal's write and `fdatasync` block,
/// and they happen inside the actor so that no other call interleaves between deciding and
/// journaling. Without it they would run wherever the caller's task runs — on the command socket's
/// thread for `RouterService`'s handlers (`serveConcurrently` prefers it), holding up that socket's
/// other requests and replies, or on the cooperative pool.
public actor OrderRouter {
    /// The router's thread ("router-journal"): every job of the actor runs there.
    public nonisolated let executor = ThreadExecutor(name: "router-journal")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// How the router publishes decisions, order updates, trades, portfolios and state changes.
    public typealias Publish = @Sendable (any BusPayload, _ runId: String?) -> Void

    let journal: IntentJournal
    let gateway: any BrokerGateway
    let publish: Publish
    let clock: @Sendable () -> Date
    /// With `router.clock = broker`: the broker's time, which `clock` then reads (nil: the wall clock).
    let brokerClock: BrokerClock?
    /// The machine's clock (the injected `clock`): a plan's `received_at`, from which signal → socket latency is measured.
    let wallClock: @Sendable () -> Date
    let logger: Logger
    let crash: CrashPoints
    let allowedSources: Set<String>
    let account: String
    let arming: (mode: LiveArming.Mode, armed: Bool)
    public private(set) var ledger = IntentLedger()
    public private(set) var gate: RiskGate
    /// Whether the journal agrees with IB (false at start-up and after a gateway reconnect or an unknown outcome).
    public private(set) var reconciled = false
    /// Why trading is refused outright (live arming), if it is.
    public private(set) var refusal: String?
    private var positions: [String: Decimal] = [:]
    private var seenExecutions: Set<String> = []
    private var executionsByRef: [String: [TradeExecution]] = [:]
    private var lastEpoch = 0
    private var reconciling = false
    /// Intents handed to the gateway and not answered yet (a reconciliation never re-sends these).
    private var sending: Set<String> = []
    /// A portfolio refresh is running / another was asked for meanwhile (fills never wait for it).
    private var refreshing = false
    private var refreshAgain: String?
    /// Counters for heartbeats and the summary (`denied.<code>`, `placed`, `duplicates`, …).
    public private(set) var counters: [String: Double] = [:]
    /// Signal received → order written to the gateway socket, microseconds (from the bridge's acks).
    public private(set) var latenciesMicros: [Int] = []
    /// Unknown intents and orders at IB the journal does not know, for the heartbeat.
    public nonisolated let alerts = RouterAlerts()
    /// Decisions, fills, trading state and P&L as Prometheus metrics (docs/metrics.md).
    public nonisolated let metrics = RouterMetrics()
    /// Orders at IB with a Candlewick `orderRef` the journal does not know (latest reconciliation).
    public private(set) var strangers: [BrokerOrder] = []

    public init(journal: IntentJournal, gateway: any BrokerGateway, policy: RiskPolicy, account: String = "",
                mode: LiveArming.Mode = .paper, armed: Bool = false, allowedSources: Set<String>, crash: CrashPoints = CrashPoints(),
                clock: @escaping @Sendable () -> Date = { Date() }, brokerClock: BrokerClock? = nil, logger: Logger,
                publish: @escaping Publish) {
        self.journal = journal
        self.gateway = gateway
        self.publish = publish
        self.wallClock = clock
        if let brokerClock {
            // Broker time once it was read; before the first reading (nothing is judged then: signals wait for it) `clock`.
            self.clock = { @Sendable () -> Date in brokerClock.now ?? clock() }
        } else {
            self.clock = clock
        }
        self.brokerClock = brokerClock
        self.logger = logger
        self.crash = crash
        self.allowedSources = allowedSources
        self.account = account
        self.arming = (mode, armed)
        gate = RiskGate(policy: policy, now: clock())
        // Replay: the ledger, the gate's counters (orders of the day, realised P&L) and the trading state.
        for e in journal.replayed {
            if let problem = ledger.apply(e) { logger.warning("router.journal_entry_ignored", metadata: ["problem": "\(problem)"]) }
            switch e.kind {
            case .planned: if let p = e.plan { gate.commit(p, now: e.at) }
            case .state: if let s = e.state { gate.apply(s == .halted ? .halt : s == .reducing ? .reduce : .resume, reason: e.message ?? "", now: e.at) }
            case .realized:
                if let a = e.amount { gate.recordRealized(a, now: e.at) }
                if let id = e.message { seenExecutions.insert(id) }
            default: break
            }
        }
        alerts.set(OrderAlerts.alerts(ledger: ledger, strangers: []))
        metrics.observe(gate, alerts: alerts.alerts)
    }

    func count(_ key: String) { counters[key, default: 0] += 1 }

    func record(_ entry: JournalEntry) throws {
        try journal.append(entry)
        ledger.apply(entry)
        if entry.kind == .unknown || alerts.alerts.contains(where: { $0.id == entry.intentId }) {
            alerts.set(OrderAlerts.alerts(ledger: ledger, strangers: strangers))
        }
    }

    // MARK: reconciliation

    /// Takes a snapshot from the gateway and reconciles the journal with it; sends in-flight
    /// intents IB has never seen. Returns whether the journal now agrees with IB.
    @discardableResult
    public func reconcile(reason: String) async -> Bool {
        guard !reconciling else { return reconciled }
        reconciling = true
        defer { reconciling = false }
        let snapshot: BrokerSnapshot
        do {
            snapshot = try await gateway.snapshot(reason: reason)
        } catch {
            reconciled = false
            count("reconcile_failed")
            logger.critical("router.reconcile_failed", metadata: ["reason": "\(reason)", "error": "\(error)",
                                                                 "effect": "no new orders until reconciliation completes"])
            return false
        }
        return await apply(snapshot, reason: reason)
    }

    /// Reconciles with a snapshot (taken on request or published by the bridge after a reconnect).
    public func apply(_ snapshot: BrokerSnapshot, reason: String) async -> Bool {
        if let ib = snapshot.ibTime { brokerClock?.observe(ib) }
        lastEpoch = max(lastEpoch, snapshot.connectionEpoch)
        if let why = LiveArming.check(mode: arming.mode, armed: arming.armed, configuredAccount: account, gatewayAccounts: snapshot.accounts) {
            refusal = why
            logger.critical("router.trading_refused", metadata: ["reason": "\(why)"])
            return false
        }
        refusal = nil
        positions = Dictionary(snapshot.portfolio.positions.map { ($0.symbol, $0.quantity) }, uniquingKeysWith: +)
        for e in snapshot.executions { await absorb(e) }
        let outcome = Reconciliation.reconcile(ledger, with: snapshot.orders, now: clock())
        do {
            for e in outcome.entries { try record(e) }
        } catch {
            reconciled = false
            logger.critical("router.journal_failed", metadata: ["error": "\(error)"])
            return false
        }
        strangers = outcome.strangers
        alerts.set(OrderAlerts.alerts(ledger: ledger, strangers: strangers))
        for o in outcome.strangers {
            count("alerts.order_not_in_journal")
            logger.critical("router.order_not_in_journal", metadata: [
                "order_ref": "\(o.orderRef)", "broker_id": "\(o.brokerOrderId)", "symbol": "\(o.symbol)", "status": "\(o.status)",
                "effect": "left alone; a person must check who placed it"])
        }
        for id in outcome.missing + outcome.partial {
            count("alerts.unknown_at_ib")
            logger.critical("router.intent_unknown_at_ib", metadata: [
                "intent": "\(id)", "symbol": "\(ledger.intents[id]?.plan.symbol ?? "-")", "detail": "\(ledger.intents[id]?.lastMessage ?? "")",
                "effect": "not re-sent (that could double it) and not reported as placed; a person must check the account"])
        }
        logger.info("router.reconciled", metadata: ["reason": "\(reason)", "updated": "\(outcome.entries.count)", "absent": "\(outcome.absent.count)",
                                                    "orders_at_ib": "\(snapshot.orders.count)", "epoch": "\(snapshot.connectionEpoch)"])
        reconciled = true
        for id in outcome.absent where !sending.contains(id) {
            guard let intent = ledger.intents[id], intent.phase.inFlight else { continue }
            if gate.state == .halted {
                try? record(JournalEntry(kind: .cancelled, at: clock(), intentId: id, message: "trading HALTED before the intent reached IB"))
                continue
            }
            logger.notice("router.resend_after_reconcile", metadata: ["intent": "\(id)", "symbol": "\(intent.plan.symbol)"])
            _ = await send(intent.plan, clamps: [])
        }
        return reconciled
    }

    // MARK: signals

    /// Judges a signal and, when the gate allows, places its orders exactly once.
    public func submit(_ s: SignalSubmission) async -> RouterDecision {
        let signal = s.signal
        let intentId = IntentId.make(runId: s.runId, symbol: signal.symbol, signalId: signal.signalId)
        func decide(_ outcome: RouterDecision.Outcome, _ note: RiskNote? = nil, plan: OrderPlan? = nil, clamps: [RiskNote] = [],
                    ids: [String: Int] = [:], micros: Int? = nil) -> RouterDecision {
            let d = RouterDecision(runId: s.runId, symbol: signal.symbol, signalId: signal.signalId, intentId: intentId, outcome: outcome,
                                   note: note, clamps: clamps, plan: plan, brokerIds: ids, signalToSocketMicros: micros)
            count(outcome.rawValue)
            if let note { count("\(outcome.rawValue).\(note.code.rawValue)") }
            metrics.decided(outcome, note)
            metrics.observe(gate, alerts: alerts.alerts)
            logger.info("router.decision", metadata: ["intent": "\(intentId)", "symbol": "\(signal.symbol)", "outcome": "\(outcome.rawValue)",
                                                      "reason": "\(note?.description ?? "")"])
            publish(d, s.runId)
            return d
        }
        guard allowedSources.contains(s.source) else {
            return decide(.denied, RiskNote(.unknownSource, "source \"\(s.source)\" is not in router.allowed_sources"))
        }
        // router.clock = broker: the broker's time first (the only suspension before the plan is journaled), never the wall clock.
        if let brokerClock {
            do {
                brokerClock.observe(try await gateway.time())
            } catch {
                logger.error("router.broker_clock_unavailable", metadata: ["symbol": "\(signal.symbol)", "error": "\(error)",
                                                                           "effect": "signal not judged; send it again later"])
                return decide(.denied, RiskNote(.brokerClockUnavailable,
                                                "router.clock = broker and the broker's time could not be read (\(error)); the signal is not judged on another clock"))
            }
        }
        if let existing = ledger.intents[intentId], existing.phase == .unknown {
            return decide(.unknown, RiskNote(.brokerUnconfirmed, "intent \(intentId) is not confirmed at IB: \(existing.lastMessage ?? "")"),
                          plan: existing.plan, ids: existing.brokerIds)
        }
        if let existing = ledger.intents[intentId] {
            // Still in flight (being sent or awaiting reconciliation): not final yet, ask again later.
            return decide(existing.phase.inFlight ? .pending : .duplicate,
                          RiskNote(.duplicateSignal, "signal \(signal.signalId) already has intent \(intentId) (\(existing.phase.rawValue))"),
                          plan: existing.plan, ids: existing.brokerIds)
        }
        if let earlier = ledger.denied[intentId] {
            return decide(.duplicate, RiskNote(.duplicateSignal, "signal \(signal.signalId) was denied before: \(earlier)"))
        }
        if let refusal { return decide(.denied, RiskNote(.halted, refusal)) }
        guard reconciled else {
            logger.critical("router.not_reconciled", metadata: ["symbol": "\(signal.symbol)", "effect": "signal not traded; send it again later"])
            return decide(.denied, RiskNote(.notReconciled, "the journal is not reconciled with IB yet; no new orders"))
        }
        if signal.isActionable, let other = ledger.liveIntent(runId: s.runId, symbol: signal.symbol) {
            let note = RiskNote(.duplicateSymbol, "\(signal.symbol) already has intent \(other.plan.intentId) in run \(s.runId)")
            try? record(JournalEntry(kind: .denied, at: clock(), intentId: intentId, note: note, runId: s.runId, symbol: signal.symbol, signalId: signal.signalId))
            return decide(.denied, note)
        }
        let book = RiskBook(positions: positions, pendingSymbols: ledger.pendingSymbols, lastPrice: s.lastPrice,
                            marketOpen: USMarketCalendar.isRegularSessionOpen(at: clock()))
        let decision = gate.evaluate(signal, runId: s.runId, book: book, account: account, now: clock(),
                                     receivedAt: brokerClock == nil ? nil : wallClock())
        switch decision {
        case .deny(let note):
            if note.code != .notActionable {
                try? record(JournalEntry(kind: .denied, at: clock(), intentId: intentId, note: note, runId: s.runId, symbol: signal.symbol,
                                         signalId: signal.signalId))
            }
            return decide(.denied, note)
        case .place(let plan, let clamps):
            for c in clamps { count("clamped.\(c.code.rawValue)") }
            crash.reach("before_journal")
            do {
                try record(JournalEntry(kind: .planned, at: clock(), intentId: intentId, plan: plan))
            } catch {
                logger.critical("router.journal_failed", metadata: ["error": "\(error)"])
                return decide(.denied, RiskNote(.notReconciled, "cannot journal the intent: \(error)"))
            }
            gate.commit(plan, now: clock())
            crash.reach("after_journal")
            let (outcome, note, ids) = await send(plan, clamps: clamps)
            return decide(outcome, note, plan: plan, clamps: clamps, ids: ids, micros: outcome == .placed ? latenciesMicros.last : nil)
        }
    }

    /// Microseconds of `date` below its whole millisecond. The bridge measures signal → socket from the plan's
    /// `received_at` as it crossed the bus, cut to whole milliseconds (`UTCTimestamp`): its figure is that much too long,
    /// and the router, which holds the exact stamp, takes it off (0 for a plan read back from the journal, already cut).
    static func cutOnTheWire(_ date: Date) -> Int {
        let millis = date.timeIntervalSince1970 * 1000
        return Int(((millis - millis.rounded(.down)) * 1000).rounded())
    }

    /// Sends a journaled plan and records the answer.
    func send(_ plan: OrderPlan, clamps: [RiskNote]) async -> (RouterDecision.Outcome, RiskNote?, [String: Int]) {
        do {
            try record(JournalEntry(kind: .sent, at: clock(), intentId: plan.intentId))
        } catch {
            return (.pending, RiskNote(.notReconciled, "cannot journal: \(error)"), [:])
        }
        sending.insert(plan.intentId)
        let result = await gateway.place(plan)
        sending.remove(plan.intentId)
        crash.reach("after_send")
        switch result {
        case .success(let ack) where (ack.connectionEpoch ?? lastEpoch) < lastEpoch:
            // Acknowledged on a connection that has since been replaced: re-checked on the current one, never reused.
            reconciled = false
            logger.warning("router.stale_ack", metadata: ["intent": "\(plan.intentId)", "ack_epoch": "\(ack.connectionEpoch ?? 0)",
                                                          "epoch": "\(lastEpoch)", "effect": "reconciling before the intent counts as placed"])
            return (.pending, RiskNote(.notReconciled, "acknowledged on an earlier IB connection; reconciling"), [:])
        case .success(let ack):
            if let e = ack.connectionEpoch { lastEpoch = max(lastEpoch, e) }
            if let us = ack.signalToSocketMicros { latenciesMicros.append(us - Self.cutOnTheWire(plan.receivedAt)) }
            try? record(JournalEntry(kind: .placed, at: clock(), intentId: plan.intentId, brokerIds: ack.brokerIds,
                                     message: ack.duplicate ? "already at IB" : nil))
            for leg in plan.legs { publishOrder(plan, leg, status: .submitted, brokerId: ack.brokerIds[leg.orderRef]) }
            return (.placed, ack.duplicate ? RiskNote(.duplicateSignal, "the gateway already held these orders") : nil, ack.brokerIds)
        case .failure(let no) where no.outcomeUnknown && !(no.unknownReason?.retryable ?? true):
            // Asking again cannot settle it without risking a second order: an alert, not a success and not a retry.
            try? record(JournalEntry(kind: .unknown, at: clock(), intentId: plan.intentId, message: no.message))
            count("alerts.unknown_at_ib")
            logger.critical("router.intent_unknown_at_ib", metadata: [
                "intent": "\(plan.intentId)", "symbol": "\(plan.symbol)", "reason": "\(no.unknownReason?.rawValue ?? "")", "detail": "\(no.message)",
                "effect": "not re-sent and not reported as placed; a person must check the account"])
            return (.unknown, RiskNote(.brokerUnconfirmed, no.message), [:])
        case .failure(let no) where no.outcomeUnknown:
            reconciled = false
            logger.error("router.outcome_unknown", metadata: ["intent": "\(plan.intentId)", "error": "\(no.message)",
                                                              "effect": "kept in flight; reconciling before any new order"])
            return (.pending, RiskNote(.gatewayUnavailable, no.message), [:])
        case .failure(let no):
            try? record(JournalEntry(kind: .rejected, at: clock(), intentId: plan.intentId, code: no.code, message: no.message))
            let code: RiskNote.Code = no.code == 200 ? .unknownSymbol : .gatewayRejected
            for leg in plan.legs { publishOrder(plan, leg, status: .rejected, brokerId: nil) }
            return (.rejected, RiskNote(code, no.code.map { "IB \($0): \(no.message)" } ?? no.message), [:])
        }
    }

    private func publishOrder(_ plan: OrderPlan, _ leg: PlannedLeg, status: OrderStatus, brokerId: Int?, filled: Decimal = 0,
                              avg: Decimal? = nil) {
        guard let o = try? Order(symbol: plan.symbol, side: leg.side, quantity: leg.quantity, orderType: leg.orderType,
                                 limitPrice: leg.limitPrice, stopPrice: leg.stopPrice, tif: leg.tif, status: status,
                                 filledQuantity: min(filled, leg.quantity), avgFillPrice: avg.flatMap { $0 > 0 ? $0 : nil },
                                 orderRef: leg.orderRef, brokerOrderId: brokerId, ocaGroup: plan.ocaGroup,
                                 outsideRth: leg.outsideRth, createdAt: plan.receivedAt) else { return }
        publish(o, plan.runId)
    }

    // MARK: commands

    /// Applies a trading command (the kill switch is `halt`), journals the change and reports the state.
    /// `cancel_all` and `flatten` halt first, then clean up at IB (`OrderRouter+Cleanup.swift`).
    public func command(_ c: TradingCommand, allowedSources: Set<String>? = nil) async -> TradingStateReport {
        let allowed = allowedSources ?? self.allowedSources
        var refused: String?
        var cleanup: CleanupOutcome?
        if !allowed.contains(c.source) {
            refused = "source \"\(c.source)\" is not allowed to command trading"
        } else if c.action != .status {
            let before = gate.state
            refused = gate.apply(c.action, reason: c.reason, now: clock())
            if refused == nil {
                try? record(JournalEntry(kind: .state, at: clock(), message: "\(c.reason) (by \(c.source))", state: gate.state))
                logger.notice("router.trading_state", metadata: ["from": "\(before.rawValue)", "to": "\(gate.state.rawValue)",
                                                                 "reason": "\(c.reason)", "source": "\(c.source)"])
                if c.action == .cancelAll || c.action == .flatten { cleanup = await cleanUp(c) }
            }
        }
        if let refused { count("command_refused"); logger.warning("router.command_refused", metadata: ["reason": "\(refused)"]) }
        let report = TradingStateReport(state: gate.state, reason: gate.stateReason, changedAt: gate.stateChangedAt, refused: refused,
                                        dailyNotional: gate.dailyNotional, dailyRealizedPnl: gate.dailyRealizedPnl, cleanup: cleanup)
        if c.action != .status { publish(report, nil) }
        metrics.observe(gate, alerts: alerts.alerts)
        return report
    }

    /// Cancels an intent's working legs (allowed in every trading state).
    public func cancel(intentId: String, reason: String) async throws {
        try await gateway.cancel(try CancelRequest(intentId: intentId, reason: reason))
    }

    // MARK: broker events

    /// An order status from the bridge.
    public func handle(order o: BrokerOrder) async {
        guard let id = IntentId.intent(ofRef: o.orderRef), let intent = ledger.intents[id],
              let leg = intent.plan.legs.first(where: { $0.orderRef == o.orderRef }) else { return }
        publishOrder(intent.plan, leg, status: o.candlewickStatus, brokerId: o.brokerOrderId, filled: o.filled, avg: o.avgFillPrice)
        guard leg.orderRef == intent.plan.firstLeg.orderRef else {
            // A take-profit or stop filled (in whole or in part): the position changed at IB. The gate must not go on
            // believing the old one: a SELL would become an exit of a long that is gone, and open a short.
            if o.filled > 0 || o.candlewickStatus == .filled { refreshPortfolio(runId: intent.plan.runId) }
            return
        }
        switch o.candlewickStatus {
        case .filled where intent.phase != .filled:
            crash.reach("after_fill")
            try? record(JournalEntry(kind: .filled, at: clock(), intentId: id, brokerIds: [o.orderRef: o.brokerOrderId], message: "filled at \(o.avgFillPrice ?? 0)"))
            refreshPortfolio(runId: intent.plan.runId)
        case .cancelled where o.filled > 0 && intent.phase != .filled:
            // Partly filled, then the rest cancelled (a DAY entry's rest expires): a position was opened, the children protect it.
            try? record(JournalEntry(kind: .filled, at: clock(), intentId: id, brokerIds: [o.orderRef: o.brokerOrderId],
                                     message: "filled \(o.filled) of \(leg.quantity) at \(o.avgFillPrice ?? 0), the rest cancelled"))
            refreshPortfolio(runId: intent.plan.runId)
        case .cancelled where intent.phase != .cancelled, .rejected where intent.phase != .cancelled:
            try? record(JournalEntry(kind: .cancelled, at: clock(), intentId: id, message: o.status))
        default:
            break
        }
    }

    /// An execution (with its commission) from the bridge: aggregated into a `Trade` per leg.
    public func handle(execution e: TradeExecution) async {
        await absorb(e)
    }

    private func absorb(_ e: TradeExecution) async {
        guard let ref = e.orderRef, let id = IntentId.intent(ofRef: ref), let intent = ledger.intents[id] else { return }
        var list = executionsByRef[ref, default: []]
        guard !list.contains(where: { $0.executionId == e.executionId }) else { return }
        list.append(e)
        executionsByRef[ref] = list
        if !seenExecutions.contains(e.executionId) {
            seenExecutions.insert(e.executionId)
            metrics.fills.increment(e.side.rawValue)
            defer { metrics.observe(gate, alerts: alerts.alerts) }
            if let pnl = e.realizedPnl, !pnl.isZero {
                try? record(JournalEntry(kind: .realized, at: clock(), intentId: id, message: e.executionId, amount: pnl))
                let before = gate.state
                gate.recordRealized(pnl, now: clock())
                if gate.state != before {
                    try? record(JournalEntry(kind: .state, at: clock(), message: gate.stateReason, state: gate.state))
                    logger.critical("router.halted_by_daily_loss", metadata: ["reason": "\(gate.stateReason)"])
                }
            }
        }
        if let trade = try? Trade(symbol: e.symbol, side: e.side, orderRef: ref, executions: list) {
            publish(trade, intent.plan.runId)
        }
    }

    /// A snapshot published by the bridge (after a reconnect): reconcile when it is from a new connection.
    public func handle(snapshot s: BrokerSnapshot) async {
        guard s.connectionEpoch > lastEpoch else { return }
        logger.notice("router.gateway_reconnected", metadata: ["epoch": "\(s.connectionEpoch)"])
        reconciled = false
        _ = await apply(s, reason: "gateway reconnected")
    }

    /// Asks the gateway for the portfolio after a fill without holding up the next broker event (fills
    /// reach the journal as they happen); refreshes asked for while one runs are coalesced into one more.
    private func refreshPortfolio(runId: String) {
        guard !refreshing else { refreshAgain = runId; return }
        refreshing = true
        Task {
            var run: String? = runId
            while let r = run {
                do {
                    let p = try await gateway.portfolio()
                    portfolioArrived(p, runId: r)
                } catch {
                    logger.warning("router.portfolio_failed", metadata: ["error": "\(error)"])
                }
                run = nextRefresh()
            }
        }
    }

    private func portfolioArrived(_ p: Portfolio, runId: String) {
        positions = Dictionary(p.positions.map { ($0.symbol, $0.quantity) }, uniquingKeysWith: +)
        publish(p, runId)
    }

    private func nextRefresh() -> String? {
        defer { refreshAgain = nil }
        if refreshAgain == nil { refreshing = false }
        return refreshAgain
    }

    /// The shares held per symbol as the risk gate sees them (the latest portfolio or snapshot from IB).
    public var positionsHeld: [String: Decimal] { positions }

    /// The trading state now.
    public var stateReport: TradingStateReport {
        TradingStateReport(state: gate.state, reason: gate.stateReason, changedAt: gate.stateChangedAt, dailyNotional: gate.dailyNotional,
                           dailyRealizedPnl: gate.dailyRealizedPnl)
    }
}
