import Foundation

/// What order-router's heartbeat says a person must look at: the intents journaled `unknown`
/// (oldest first) and the orders at IB with a Candlewick `orderRef` that the journal does not know.
public enum OrderAlerts {
    /// The alerts, unknown intents first; `strangers` are from the latest reconciliation.
    public static func alerts(ledger: IntentLedger, strangers: [BrokerOrder]) -> [HeartbeatAlert] {
        let unknown = ledger.order.compactMap { ledger.intents[$0] }.filter { $0.phase == .unknown }.map { intent in
            HeartbeatAlert(.intentUnknown, id: intent.plan.intentId,
                           detail: "\(intent.plan.symbol): \(intent.lastMessage ?? "not confirmed at IB"); not re-sent, not reported as placed")
        }
        let foreign = strangers.map { o in
            HeartbeatAlert(.orderNotInJournal, id: o.orderRef,
                           detail: "\(o.symbol) \(o.side.rawValue) \(o.quantity) \(o.orderType) #\(o.brokerOrderId) \(o.status) at IB; the journal has no intent \(IntentId.intent(ofRef: o.orderRef) ?? "?")")
        }
        return unknown + foreign
    }

    /// Heartbeat counters for the alerts: `alerts.intents_unknown`, `alerts.orders_not_in_journal`.
    public static func counters(_ alerts: [HeartbeatAlert]) -> [String: Double] {
        ["alerts.intents_unknown": Double(alerts.count { $0.kind == HeartbeatAlert.Kind.intentUnknown.rawValue }),
         "alerts.orders_not_in_journal": Double(alerts.count { $0.kind == HeartbeatAlert.Kind.orderNotInJournal.rawValue })]
    }
}
