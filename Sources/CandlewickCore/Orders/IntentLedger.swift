import Foundation

/// Where an order intent stands.
public enum IntentPhase: String, Sendable, Hashable, Codable {
    /// Journaled, not yet (known to be) handed to the gateway: the outcome is unknown after a crash.
    case planned
    /// Handed to the gateway, no answer yet: the outcome is unknown after a crash.
    case sent
    /// The gateway acknowledged every leg (or reconciliation found them at IB).
    case placed
    /// The gateway or IB rejected it: nothing is working at IB.
    case rejected
    /// The entry (or exit) filled.
    case filled
    /// Cancelled at IB.
    case cancelled
    /// The broker's word could not be established: legs written and never confirmed, only some legs
    /// at IB, or journaled as placed and not reported by IB. Never re-sent on its own (that could
    /// double an order); an alert until a reconciliation finds every leg at IB or a person settles it.
    case unknown

    /// The outcome is unknown until reconciled with IB (and may be sent when IB has never seen it).
    public var inFlight: Bool { self == .planned || self == .sent }
}

/// One line of the intent journal. Written (and fsynced) before the action it describes happens,
/// so that a crash at any point leaves a record of what may have reached IB.
public struct JournalEntry: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The plan, before it is sent.
        case planned
        /// About to be handed to the gateway.
        case sent
        case placed
        case rejected
        case filled
        case cancelled
        /// The broker's word could not be established (see `IntentPhase.unknown`).
        case unknown
        /// A signal the gate denied (so a replay gets the same answer, without a new evaluation).
        case denied
        /// A trading state change (survives restarts: a halt stays a halt).
        case state
        /// Realised P&L reported by IB for the daily loss limit.
        case realized
    }

    public let kind: Kind
    public let at: Date
    public let intentId: String?
    public let plan: OrderPlan?
    public let note: RiskNote?
    /// IB order id per leg ref (placed, or found by reconciliation).
    public let brokerIds: [String: Int]?
    public let code: Int?
    public let message: String?
    public let state: TradingState?
    public let amount: Decimal?
    /// For `denied`: the run, symbol and signal.
    public let runId: String?
    public let symbol: String?
    public let signalId: String?

    public init(kind: Kind, at: Date, intentId: String? = nil, plan: OrderPlan? = nil, note: RiskNote? = nil, brokerIds: [String: Int]? = nil,
                code: Int? = nil, message: String? = nil, state: TradingState? = nil, amount: Decimal? = nil, runId: String? = nil,
                symbol: String? = nil, signalId: String? = nil) {
        self.kind = kind
        self.at = at
        self.intentId = intentId
        self.plan = plan
        self.note = note
        self.brokerIds = brokerIds
        self.code = code
        self.message = message
        self.state = state
        self.amount = amount
        self.runId = runId
        self.symbol = symbol
        self.signalId = signalId
    }

    enum CodingKeys: String, CodingKey {
        case kind, at, plan, note, code, message, state, amount, symbol
        case intentId = "intent_id", brokerIds = "broker_ids", runId = "run_id", signalId = "signal_id"
    }
}

/// The journal folded into the current picture: every intent with its phase, the denied signals,
/// and the last trading state. Pure: `apply` each entry in order (start-up replays the file).
public struct IntentLedger: Sendable {
    public struct Intent: Sendable, Hashable {
        public var plan: OrderPlan
        public var phase: IntentPhase
        public var brokerIds: [String: Int] = [:]
        public var lastMessage: String?
    }

    public private(set) var intents: [String: Intent] = [:]
    /// Intent ids in journal order.
    public private(set) var order: [String] = []
    /// Denied signals by intent id.
    public private(set) var denied: [String: RiskNote] = [:]
    /// The last journaled trading state and its reason.
    public private(set) var tradingState: (state: TradingState, reason: String, at: Date)?
    /// Realised P&L entries (for the daily loss counter).
    public private(set) var realized: [(at: Date, amount: Decimal)] = []
    /// Entries applied.
    public private(set) var count = 0

    public init() {}

    /// Folds one entry. Entries for unknown intents (other than `planned`/`denied`) are ignored and reported.
    @discardableResult
    public mutating func apply(_ e: JournalEntry) -> String? {
        count += 1
        switch e.kind {
        case .planned:
            guard let plan = e.plan else { return "planned entry without a plan" }
            if intents[plan.intentId] == nil { order.append(plan.intentId) }
            intents[plan.intentId] = Intent(plan: plan, phase: .planned)
        case .denied:
            guard let id = e.intentId, let note = e.note else { return "denied entry without intent id or note" }
            denied[id] = note
        case .state:
            guard let s = e.state else { return "state entry without a state" }
            tradingState = (s, e.message ?? "", e.at)
        case .realized:
            guard let a = e.amount else { return "realized entry without an amount" }
            realized.append((e.at, a))
        case .sent, .placed, .rejected, .filled, .cancelled, .unknown:
            guard let id = e.intentId, intents[id] != nil else { return "\(e.kind.rawValue) entry for an unknown intent \(e.intentId ?? "nil")" }
            let phase: IntentPhase = switch e.kind {
            case .sent: .sent
            case .placed: .placed
            case .rejected: .rejected
            case .filled: .filled
            case .unknown: .unknown
            default: .cancelled
            }
            intents[id]!.phase = phase
            if let ids = e.brokerIds { intents[id]!.brokerIds.merge(ids) { $1 } }
            if let m = e.message { intents[id]!.lastMessage = m }
        }
        return nil
    }

    /// Intents whose outcome is unknown until reconciled with IB.
    public var inFlight: [Intent] { order.compactMap { intents[$0] }.filter { $0.phase.inFlight } }

    /// The intent already journaled for this run and symbol that is not rejected (one order per symbol per run).
    public func liveIntent(runId: String, symbol: String) -> Intent? {
        order.lazy.compactMap { intents[$0] }.first { $0.plan.runId == runId && $0.plan.symbol == symbol && $0.phase != .rejected }
    }

    /// Symbols with an opening intent that is in flight, working (placed, not filled) or unknown.
    public var pendingSymbols: Set<String> {
        Set(intents.values.filter { $0.plan.opening && ($0.phase.inFlight || $0.phase == .placed || $0.phase == .unknown) }.map(\.plan.symbol))
    }

    /// Intents whose state at IB could not be established (alerts), in journal order.
    public var unknown: [Intent] { order.compactMap { intents[$0] }.filter { $0.phase == .unknown } }
}
