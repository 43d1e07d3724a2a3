import Foundation

/// gateway-bridge's answer to `order.place`: every leg is at IB with its order id, or (with
/// `duplicate`) the legs were already there and nothing new was sent.
public struct OrderAck: BusPayload, Hashable {
    public static let messageType = "order.ack"

    public let intentId: String
    /// IB order id per leg ref.
    public let brokerIds: [String: Int]
    /// The legs were already at IB (found by orderRef); no order was sent.
    public let duplicate: Bool
    /// Microseconds from the router receiving the signal to the last leg written to the gateway socket (wall clock).
    public let signalToSocketMicros: Int?
    /// The bridge's IB connection on which the broker acknowledged every leg (an ack from an earlier
    /// connection than the router last saw is not believed: the intent is reconciled again).
    public let connectionEpoch: Int?

    public init(intentId: String, brokerIds: [String: Int], duplicate: Bool, signalToSocketMicros: Int? = nil, connectionEpoch: Int? = nil) {
        self.intentId = intentId
        self.brokerIds = brokerIds
        self.duplicate = duplicate
        self.signalToSocketMicros = signalToSocketMicros
        self.connectionEpoch = connectionEpoch
    }

    enum CodingKeys: String, CodingKey {
        case duplicate
        case intentId = "intent_id", brokerIds = "broker_ids", signalToSocketMicros = "signal_to_socket_us"
        case connectionEpoch = "connection_epoch"
    }
}

/// gateway-bridge's answer when an order could not be placed: IB's code and text (e.g. 201 rejected,
/// 110 tick size, 200 unknown symbol), or `code` nil for our own reasons (not connected, timeout).
public struct OrderRejection: BusPayload, Hashable {
    public static let messageType = "order.rejected"

    public let intentId: String
    public let orderRef: String?
    public let code: Int?
    public let message: String
    /// Whether IB may still hold the order (a timeout or lost connection): reconcile before anything else.
    public let outcomeUnknown: Bool
    /// With `outcomeUnknown`: why, so the router knows whether asking again can settle it.
    public let unknownReason: UnknownReason?

    /// Why the bridge cannot say whether IB holds an intent.
    public enum UnknownReason: String, Sendable, Hashable, Codable {
        /// The connection dropped (or was never up) before IB answered: reconcile, then ask again.
        case connectionLost = "connection_lost"
        /// The bridge has no complete snapshot of the current connection yet: ask again.
        case notSynced = "not_synced"
        /// The same intent is being placed right now: ask again.
        case inProgress = "in_progress"
        /// IB did not acknowledge within the deadline: reconcile, then ask again.
        case timeout
        /// Written to IB on this connection, and a later snapshot does not show it: asking again cannot
        /// settle it without risking a second order. An alert.
        case unconfirmed
        /// IB holds some legs of the intent but not all: an alert (a bracket without its protection).
        case partialAtIB = "partial_at_ib"

        /// Whether another attempt (after a reconciliation) can settle it without risking a duplicate.
        public var retryable: Bool { self != .unconfirmed && self != .partialAtIB }
    }

    public init(intentId: String, orderRef: String?, code: Int?, message: String, outcomeUnknown: Bool, unknownReason: UnknownReason? = nil) {
        self.intentId = intentId
        self.orderRef = orderRef
        self.code = code
        self.message = message
        self.outcomeUnknown = outcomeUnknown
        self.unknownReason = outcomeUnknown ? unknownReason : nil
    }

    enum CodingKeys: String, CodingKey {
        case code, message
        case intentId = "intent_id", orderRef = "order_ref", outcomeUnknown = "outcome_unknown", unknownReason = "unknown_reason"
    }
}

/// Cancel the working legs of an intent (or one leg by ref).
public struct CancelRequest: BusPayload, Hashable {
    public static let messageType = "order.cancel"

    public let intentId: String
    public let orderRef: String?
    public let reason: String

    public init(intentId: String, orderRef: String? = nil, reason: String) throws {
        try Validator("CancelRequest").nonEmpty(intentId, "intent_id")
        self.intentId = intentId
        self.orderRef = orderRef
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case reason, intentId = "intent_id", orderRef = "order_ref" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(intentId: c.decode(String.self, forKey: .intentId), orderRef: c.decodeIfPresent(String.self, forKey: .orderRef),
                      reason: c.decodeIfPresent(String.self, forKey: .reason) ?? "")
    }
}

/// Ask gateway-bridge for a fresh `broker.snapshot` (open and completed orders, executions, positions, account).
public struct SnapshotRequest: BusPayload, Hashable {
    public static let messageType = "broker.sync"
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

/// One order as IB reports it (open or completed), keyed by our `orderRef`.
public struct BrokerOrder: BusPayload, Hashable {
    public static let messageType = "broker.order"

    public let orderRef: String
    public let brokerOrderId: Int
    public let permId: Int
    public let symbol: String
    public let side: OrderSide
    public let orderType: String
    public let quantity: Decimal
    public let filled: Decimal
    public let avgFillPrice: Decimal?
    /// IB's status text: PreSubmitted, Submitted, Filled, Cancelled, Inactive, …
    public let status: String
    public let parentId: Int
    public let ocaGroup: String

    public init(orderRef: String, brokerOrderId: Int, permId: Int, symbol: String, side: OrderSide, orderType: String, quantity: Decimal,
                filled: Decimal, avgFillPrice: Decimal?, status: String, parentId: Int, ocaGroup: String) {
        self.orderRef = orderRef
        self.brokerOrderId = brokerOrderId
        self.permId = permId
        self.symbol = symbol
        self.side = side
        self.orderType = orderType
        self.quantity = quantity
        self.filled = filled
        self.avgFillPrice = avgFillPrice
        self.status = status
        self.parentId = parentId
        self.ocaGroup = ocaGroup
    }

    /// The status as Candlewick's `OrderStatus`. A completed order's status is IB's `completedStatus` text, which
    /// says who cancelled it ("Cancelled by API", "Cancelled by Trader", …): every "Cancelled…" is cancelled.
    public var candlewickStatus: OrderStatus {
        switch status {
        case "Filled": .filled
        case "Cancelled", "ApiCancelled": .cancelled
        case _ where status.hasPrefix("Cancelled"): .cancelled
        case "Inactive": .rejected
        case "PendingSubmit", "ApiPending": .pending
        default: filled > 0 ? .partiallyFilled : .submitted
        }
    }

    enum CodingKeys: String, CodingKey {
        case symbol, side, quantity, filled, status
        case orderRef = "order_ref", brokerOrderId = "broker_order_id", permId = "perm_id", orderType = "order_type"
        case avgFillPrice = "avg_fill_price", parentId = "parent_id", ocaGroup = "oca_group"
    }
}

extension TradeExecution: BusPayload { public static let messageType = "broker.execution" }

/// Everything IB says about the account, taken after every (re)connect and on request: orders
/// (open and completed), executions with commissions, positions and cash.
public struct BrokerSnapshot: BusPayload, Hashable {
    public static let messageType = "broker.snapshot"

    public let accounts: [String]
    public let orders: [BrokerOrder]
    public let executions: [TradeExecution]
    public let portfolio: Portfolio
    /// Account values (NetLiquidation, TotalCashValue, BuyingPower, …).
    public let accountValues: [String: String]
    /// How many times the bridge has connected (1 = first connection).
    public let connectionEpoch: Int
    /// When the bridge took it (its wall clock).
    public let takenAt: Date
    /// The broker's time (reqCurrentTime) during the snapshot: IB's clock, or ib-paper's simulated time
    /// (docs/tws.md §3). nil when the broker did not say (frames from before this field).
    public let ibTime: Date?

    public init(accounts: [String], orders: [BrokerOrder], executions: [TradeExecution], portfolio: Portfolio,
                accountValues: [String: String], connectionEpoch: Int, takenAt: Date, ibTime: Date? = nil) {
        self.accounts = accounts
        self.orders = orders
        self.executions = executions
        self.portfolio = portfolio
        self.accountValues = accountValues
        self.connectionEpoch = connectionEpoch
        self.takenAt = takenAt
        self.ibTime = ibTime
    }

    enum CodingKeys: String, CodingKey {
        case accounts, orders, executions, portfolio
        case accountValues = "account_values", connectionEpoch = "connection_epoch", takenAt = "taken_at", ibTime = "ib_time"
    }
}

/// The broker's time, cheaply (one reqCurrentTime): the request is `broker.time` without `ib_time`,
/// gateway-bridge's answer is `broker.time` with it (or `gateway.error` when IB did not answer).
/// order-router's `router.clock = broker` reads it before judging each signal.
public struct BrokerTime: BusPayload, Hashable {
    public static let messageType = "broker.time"
    /// IB's time (ib-paper: the simulated time); nil in the request.
    public let ibTime: Date?
    public init(ibTime: Date? = nil) { self.ibTime = ibTime }
    enum CodingKeys: String, CodingKey { case ibTime = "ib_time" }
}

/// Ask gateway-bridge for the portfolio (answered with `portfolio`).
public struct PortfolioRequest: BusPayload, Hashable {
    public static let messageType = "portfolio.request"
    public let reason: String
    public init(reason: String) { self.reason = reason }
}

/// A signal handed to order-router (by the run coordinator or a person). Answered with `router.decision`.
public struct SignalSubmission: BusPayload, Hashable {
    public static let messageType = "signal.submit"

    public let runId: String
    public let signal: TradingSignal
    /// The latest close (the reference price when the signal has no entry).
    public let lastPrice: Decimal?
    /// Who sent it; refused unless allowed by `router.allowed_sources`.
    public let source: String

    public init(runId: String, signal: TradingSignal, lastPrice: Decimal?, source: String) throws {
        let v = Validator("SignalSubmission")
        try v.nonEmpty(runId, "run_id")
        try v.nonEmpty(source, "source")
        try v.positive(lastPrice, "last_price")
        self.runId = runId
        self.signal = signal
        self.lastPrice = lastPrice
        self.source = source
    }

    enum CodingKeys: String, CodingKey { case signal, source, runId = "run_id", lastPrice = "last_price" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(runId: c.decode(String.self, forKey: .runId), signal: c.decode(TradingSignal.self, forKey: .signal),
                      lastPrice: c.decodeIfPresent(Decimal.self, forKey: .lastPrice), source: c.decode(String.self, forKey: .source))
    }
}

/// order-router's answer to a signal (also published for the tracker).
public struct RouterDecision: BusPayload, Hashable {
    public static let messageType = "router.decision"

    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Orders sent and acknowledged by the gateway.
        case placed
        /// The same signal was seen before: the earlier outcome stands, nothing new was sent.
        case duplicate
        /// The gate denied it (reason in `note`).
        case denied
        /// The gateway or IB rejected it.
        case rejected
        /// Sent, but the outcome is unknown (gateway timeout): it will be reconciled, never resent blindly.
        case pending
        /// The broker's word could not be established (legs sent and never confirmed, only some legs at
        /// IB, or journaled as placed and not reported by IB): an alert for a person, never a success.
        case unknown
    }

    public let runId: String
    public let symbol: String
    public let signalId: String
    public let intentId: String
    public let outcome: Outcome
    public let note: RiskNote?
    /// Clamps applied to the order.
    public let clamps: [RiskNote]
    public let plan: OrderPlan?
    public let brokerIds: [String: Int]
    /// Signal received → last leg written to the gateway socket, microseconds (placed orders only).
    public let signalToSocketMicros: Int?

    public init(runId: String, symbol: String, signalId: String, intentId: String, outcome: Outcome, note: RiskNote? = nil,
                clamps: [RiskNote] = [], plan: OrderPlan? = nil, brokerIds: [String: Int] = [:], signalToSocketMicros: Int? = nil) {
        self.runId = runId
        self.symbol = symbol
        self.signalId = signalId
        self.intentId = intentId
        self.outcome = outcome
        self.note = note
        self.clamps = clamps
        self.plan = plan
        self.brokerIds = brokerIds
        self.signalToSocketMicros = signalToSocketMicros
    }

    enum CodingKeys: String, CodingKey {
        case symbol, outcome, note, clamps, plan
        case runId = "run_id", signalId = "signal_id", intentId = "intent_id", brokerIds = "broker_ids"
        case signalToSocketMicros = "signal_to_socket_us"
    }
}

extension OrderRejection: Error, CustomStringConvertible {
    public var description: String { (code.map { "IB \($0): " } ?? "") + message }
}
