import CandlewickBus
import CandlewickCore
import Foundation

/// What the router needs from the broker side: gateway-bridge over the bus in production.
public protocol BrokerGateway: Sendable {
    /// Places the plan's legs; `.success` when IB holds them all (or already did), `.failure` with
    /// IB's code and text, or with `outcomeUnknown` when the answer did not come.
    func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection>
    /// A complete picture of the account at IB.
    func snapshot(reason: String) async throws -> BrokerSnapshot
    /// The current portfolio.
    func portfolio() async throws -> Portfolio
    /// Cancels an intent's working legs.
    func cancel(_ request: CancelRequest) async throws
    /// The broker's time (IB's reqCurrentTime; ib-paper's simulated time), for `router.clock = broker`.
    func time() async throws -> Date
}

/// `BrokerGateway` over gateway-bridge's ROUTER socket (`gateway.commands`).
public struct BridgeGateway: BrokerGateway {
    let client: RequestClient
    let placeTimeout: Duration
    let snapshotTimeout: Duration

    public init(client: RequestClient, placeTimeout: Duration = .seconds(15), snapshotTimeout: Duration = .seconds(20)) {
        self.client = client
        self.placeTimeout = placeTimeout
        self.snapshotTimeout = snapshotTimeout
    }

    public func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        do {
            let reply = try await client.request(plan, runId: plan.runId, timeout: placeTimeout)
            if let ack = reply.payload(as: OrderAck.self) { return .success(ack) }
            if let no = reply.payload(as: OrderRejection.self) { return .failure(no) }
            return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil,
                                           message: "unexpected reply \(reply.header.type) to order.place", outcomeUnknown: true))
        } catch {
            return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "gateway-bridge: \(error)", outcomeUnknown: true))
        }
    }

    public func snapshot(reason: String) async throws -> BrokerSnapshot {
        let reply = try await client.request(SnapshotRequest(reason: reason), timeout: snapshotTimeout)
        if let s = reply.payload(as: BrokerSnapshot.self) { return s }
        throw BusError("broker.sync", message: "gateway-bridge answered \(reply.header.type): \(Self.describe(reply))")
    }

    public func portfolio() async throws -> Portfolio {
        let reply = try await client.request(PortfolioRequest(reason: "after fill"), timeout: snapshotTimeout)
        if let p = reply.payload(as: Portfolio.self) { return p }
        throw BusError("portfolio.request", message: "gateway-bridge answered \(reply.header.type): \(Self.describe(reply))")
    }

    public func cancel(_ request: CancelRequest) async throws {
        let reply = try await client.request(request, timeout: placeTimeout)
        if let no = reply.payload(as: OrderRejection.self) { throw BusError("order.cancel", message: no.message) }
    }

    public func time() async throws -> Date {
        let reply = try await client.request(BrokerTime(), timeout: snapshotTimeout)
        if let t = reply.payload(as: BrokerTime.self), let ib = t.ibTime { return ib }
        throw BusError("broker.time", message: "gateway-bridge answered \(reply.header.type): \(Self.describe(reply))")
    }

    static func describe(_ m: BusMessage) -> String {
        m.payload(as: OrderRejection.self)?.message ?? "\(m.payload)"
    }
}
