import Foundation

/// Compares the journal with what IB reports (matched by `orderRef`) and says what to record and
/// what may be sent: an intent found at IB takes IB's state; an in-flight intent IB has never seen
/// may be sent (the reconciliation is the evidence, not a guess); everything else is left alone.
public enum Reconciliation {
    public struct Outcome: Sendable, Hashable {
        /// Entries to journal (the intent's state at IB).
        public var entries: [JournalEntry] = []
        /// In-flight intents IB does not hold: safe to send now.
        public var absent: [String] = []
        /// Intents the journal says were placed but IB does not report (logged loudly).
        public var missing: [String] = []
    }

    /// `snapshot` must be complete (open and completed orders of every client).
    public static func reconcile(_ ledger: IntentLedger, with orders: [BrokerOrder], now: Date) -> Outcome {
        var byIntent: [String: [BrokerOrder]] = [:]
        for o in orders { if let id = IntentId.intent(ofRef: o.orderRef) { byIntent[id, default: []].append(o) } }
        var out = Outcome()
        for id in ledger.order {
            guard let intent = ledger.intents[id], intent.phase.inFlight || intent.phase == .placed else { continue }
            guard let found = byIntent[id], !found.isEmpty else {
                if intent.phase.inFlight { out.absent.append(id) } else { out.missing.append(id) }
                continue
            }
            let ids = Dictionary(found.map { ($0.orderRef, $0.brokerOrderId) }, uniquingKeysWith: { a, _ in a })
            let first = found.first { $0.orderRef == intent.plan.firstLeg.orderRef }
            let kind: JournalEntry.Kind
            switch first?.candlewickStatus {
            case .filled?: kind = .filled
            case .cancelled?, .rejected?: kind = .cancelled
            default: kind = .placed
            }
            let target: IntentPhase = kind == .filled ? .filled : kind == .cancelled ? .cancelled : .placed
            if target != intent.phase || ids != intent.brokerIds {
                out.entries.append(JournalEntry(kind: kind, at: now, intentId: id, brokerIds: ids, message: "reconciled: \(first?.status ?? "legs found")"))
            }
        }
        return out
    }
}

/// Paper by default; live only when armed on purpose and the gateway is the account configured.
public enum LiveArming {
    public enum Mode: String, Sendable, Codable { case paper, live }

    /// nil when trading may start; otherwise why not. IB paper accounts start with `DU` (or `DF` for advisors).
    public static func check(mode: Mode, armed: Bool, configuredAccount: String, gatewayAccounts: [String]) -> String? {
        let paperAccount = { (a: String) in a.hasPrefix("DU") || a.hasPrefix("DF") }
        switch mode {
        case .paper:
            guard !gatewayAccounts.isEmpty else { return "the gateway reported no account" }
            if let live = gatewayAccounts.first(where: { !paperAccount($0) }) {
                return "paper mode, but the gateway manages live account \(live): refusing to trade (set router.mode = live and arm it)"
            }
            if !configuredAccount.isEmpty && !gatewayAccounts.contains(configuredAccount) {
                return "configured account \(configuredAccount) is not among the gateway's accounts \(gatewayAccounts.joined(separator: ","))"
            }
            return nil
        case .live:
            guard armed else { return "live trading needs the explicit arming flag (--arm-live)" }
            guard !configuredAccount.isEmpty else { return "live trading needs router.account set to the live account" }
            guard !paperAccount(configuredAccount) else { return "router.account \(configuredAccount) is a paper account but router.mode is live" }
            guard gatewayAccounts.contains(configuredAccount) else {
                return "live account \(configuredAccount) does not match the gateway's accounts \(gatewayAccounts.joined(separator: ",")) (paper/live mismatch?)"
            }
            return nil
        }
    }
}
