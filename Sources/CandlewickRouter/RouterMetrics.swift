import CandlewickBus
import CandlewickCore
import Foundation
import Metrics

/// order-router's metrics (docs/metrics.md): decisions by outcome and reason code, fills, the day's
/// realised P&L against its limit, the trading state and unknown intents. Made once per router.
public final class RouterMetrics: Sendable {
    /// `candlewick_router_decisions_total{outcome,reason}`: one per signal answered; reason is the risk
    /// note's code (`none` without one), e.g. `denied`/`not_actionable`.
    let decisions = LabelledCounters("candlewick_router_decisions_total", labels: ["outcome", "reason"])
    /// `candlewick_router_fills_total{side}`: executions the router had not seen before.
    let fills = LabelledCounters("candlewick_router_fills_total", labels: ["side"])
    /// `candlewick_router_trading_state{state}`: 1 for the current state, 0 for the others.
    let state = LabelledGauges("candlewick_router_trading_state", labels: ["state"])
    /// `candlewick_router_realized_pnl_usd`: realised P&L of the trading day (negative: a loss).
    let realized = Gauge(label: "candlewick_router_realized_pnl_usd")
    /// `candlewick_router_daily_loss_limit_usd`: `risk.max_daily_loss`, for the alert on the day's loss.
    let lossLimit = Gauge(label: "candlewick_router_daily_loss_limit_usd")
    /// `candlewick_router_intents_unknown`: intents whose outcome at IB is unknown (a person must look).
    let unknownIntents = Gauge(label: "candlewick_router_intents_unknown")

    public init() {}

    /// Counts one decision.
    func decided(_ outcome: RouterDecision.Outcome, _ note: RiskNote?) {
        decisions.increment(outcome.rawValue, note?.code.rawValue ?? "none")
    }

    /// Sets the gauges that follow the gate: trading state, the day's P&L and its limit, unknown intents.
    func observe(_ gate: RiskGate, alerts: [HeartbeatAlert]) {
        for s in TradingState.allCases { state.set(s.rawValue, to: s == gate.state ? 1 : 0) }
        realized.record(NSDecimalNumber(decimal: gate.dailyRealizedPnl).doubleValue)
        lossLimit.record(NSDecimalNumber(decimal: gate.policy.maxDailyLoss).doubleValue)
        sample(alerts: alerts)
    }

    /// Sets `candlewick_router_intents_unknown` from the router's current alerts (also sampled with each heartbeat).
    public func sample(alerts: [HeartbeatAlert]) {
        unknownIntents.record(Double(alerts.filter { $0.kind == "intent_unknown" }.count))
    }
}
