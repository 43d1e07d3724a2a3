import Foundation

/// Compares the journal with what IB reports (matched by `orderRef`) and says what to record and
/// what may be sent. Only the broker's word counts:
/// - every leg of an intent found at IB → IB's state is journaled (placed, filled, cancelled);
/// - an in-flight intent of which IB holds no leg → may be sent now (the reconciliation is the
///   evidence, not a guess);
/// - an intent journaled as placed of which IB reports no leg, or of which IB holds only some legs
///   → `unknown`: an alert, never re-sent on its own and never reported as placed;
/// - an `unknown` intent whose every leg IB now reports → settled with IB's state;
/// - an order IB holds with a Candlewick `orderRef` (`cw-…`) of an intent the journal does not know,
///   and not cancelled or rejected → a stranger: an alert (placed by hand, by another journal, or
///   the journal lost it), never touched.
public enum Reconciliation {
    public struct Outcome: Sendable, Hashable {
        /// Entries to journal (the intent's state at IB).
        public var entries: [JournalEntry] = []
        /// In-flight intents IB does not hold: safe to send now.
        public var absent: [String] = []
        /// Intents the journal says were placed but IB does not report (journaled `unknown`, logged loudly).
        public var missing: [String] = []
        /// Intents of which IB holds only some legs (journaled `unknown`, logged loudly).
        public var partial: [String] = []
        /// Live or filled orders at IB with a Candlewick `orderRef` whose intent the journal does not
        /// know, sorted by `orderRef`.
        public var strangers: [BrokerOrder] = []
    }

    /// `orders` must be complete (open and completed orders of every client, from one connection).
    public static func reconcile(_ ledger: IntentLedger, with orders: [BrokerOrder], now: Date) -> Outcome {
        var byRef: [String: BrokerOrder] = [:]
        for o in orders where IntentId.intent(ofRef: o.orderRef) != nil {
            // The same ref twice (an old cancelled copy and a live one): the live one speaks for the leg.
            if let seen = byRef[o.orderRef], !Self.isDone(seen) || Self.isDone(o) { continue }
            byRef[o.orderRef] = o
        }
        var out = Outcome()
        out.strangers = byRef.values.filter { o in
            !Self.isDone(o) && IntentId.intent(ofRef: o.orderRef).map { ledger.intents[$0] == nil } ?? false
        }.sorted { $0.orderRef < $1.orderRef }
        for id in ledger.order {
            guard let intent = ledger.intents[id], intent.phase.inFlight || intent.phase == .placed || intent.phase == .unknown else { continue }
            let legs = intent.plan.legs
            let found = legs.compactMap { byRef[$0.orderRef] }
            if found.isEmpty {
                switch intent.phase {
                case .planned, .sent: out.absent.append(id)
                case .placed:
                    out.missing.append(id)
                    out.entries.append(JournalEntry(kind: .unknown, at: now, intentId: id,
                                                    message: "journaled as placed, but IB reports none of its \(legs.count) leg(s)"))
                default: break
                }
                continue
            }
            let entryRef = intent.plan.firstLeg.orderRef
            var entryFilled = byRef[entryRef]?.candlewickStatus == .filled
            if found.count < legs.count {
                // Bracket children become active only once their parent filled: active children with no
                // parent in the report mean the entry filled and left IB's report window.
                let children = legs.filter { $0.orderRef != entryRef }
                let childrenActive = byRef[entryRef] == nil && !children.isEmpty && children.allSatisfy { byRef[$0.orderRef] != nil }
                    && children.contains { c in let o = byRef[c.orderRef]!; return o.status == "Submitted" || o.filled > 0 }
                guard childrenActive else {
                    let have = legs.filter { byRef[$0.orderRef] != nil }.map { Self.legName($0.orderRef) }
                    let lack = legs.filter { byRef[$0.orderRef] == nil }.map { Self.legName($0.orderRef) }
                    let message = "IB holds only leg(s) \(have.joined(separator: ",")); missing \(lack.joined(separator: ","))"
                    out.partial.append(id)
                    if intent.phase != .unknown || intent.lastMessage != message {
                        out.entries.append(JournalEntry(kind: .unknown, at: now, intentId: id,
                                                        brokerIds: Dictionary(found.map { ($0.orderRef, $0.brokerOrderId) }) { a, _ in a }, message: message))
                    }
                    continue
                }
                entryFilled = true
            }
            // A completed order (reqCompletedOrders) carries no order id: the id IB gave the leg before stands.
            let ids = Dictionary(found.map { ($0.orderRef, $0.brokerOrderId > 0 ? $0.brokerOrderId : intent.brokerIds[$0.orderRef] ?? 0) },
                                 uniquingKeysWith: { a, _ in a })
            let first = byRef[entryRef]
            // An entry cancelled after a partial fill opened a position: it reads back as filled, not cancelled.
            if let f = first, f.candlewickStatus == .cancelled, f.filled > 0 { entryFilled = true }
            let kind: JournalEntry.Kind
            switch (entryFilled, first?.candlewickStatus) {
            case (true, _): kind = .filled
            case (_, .cancelled?), (_, .rejected?): kind = .cancelled
            default: kind = .placed
            }
            let target: IntentPhase = kind == .filled ? .filled : kind == .cancelled ? .cancelled : .placed
            if target != intent.phase || ids != intent.brokerIds {
                out.entries.append(JournalEntry(kind: kind, at: now, intentId: id, brokerIds: ids, message: "reconciled: \(first?.status ?? "entry filled earlier")"))
            }
        }
        return out
    }

    static func isDone(_ o: BrokerOrder) -> Bool { [.cancelled, .rejected].contains(o.candlewickStatus) }

    /// `cw-…-TP` → `TP`.
    static func legName(_ ref: String) -> String { ref.split(separator: "-").last.map(String.init) ?? ref }
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
