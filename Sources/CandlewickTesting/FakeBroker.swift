import CandlewickCore
import CandlewickRouter
import Foundation
import Synchronization

/// A broker at the boundary: holds placed legs by ref; can lose acknowledgements or be unreachable.
public final class FakeBroker: BrokerGateway {
    /// Acknowledge, place but lose the acknowledgement, or be unreachable.
    public enum Mode: Sendable { case ack, loseAck, down }
    let state = Mutex<(mode: Mode, orders: [BrokerOrder], places: Int)>((.ack, [], 0))
    public init() {}
    public func set(_ m: Mode) { state.withLock { $0.mode = m } }
    let ackEpoch = Mutex<Int?>(nil)
    /// The connection epoch acknowledgements carry (nil: none, as from an old bridge).
    public func set(ackEpoch e: Int?) { ackEpoch.withLock { $0 = e } }
    /// How many plans reached the broker.
    public var places: Int { state.withLock { $0.places } }
    /// Every leg's orderRef, in the order placed.
    public var refs: [String] { state.withLock { $0.orders.map(\.orderRef) } }

    public func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        state.withLock { s in
            if s.mode == .down {
                return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "not connected", outcomeUnknown: true))
            }
            s.places += 1
            var ids: [String: Int] = [:]
            for leg in plan.legs {
                let id = s.orders.count + 1
                ids[leg.orderRef] = id
                s.orders.append(BrokerOrder(orderRef: leg.orderRef, brokerOrderId: id, permId: id, symbol: plan.symbol, side: leg.side,
                                            orderType: "LMT", quantity: leg.quantity, filled: 0, avgFillPrice: nil, status: "Submitted",
                                            parentId: 0, ocaGroup: ""))
            }
            if s.mode == .loseAck {
                return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "no ack in time", outcomeUnknown: true))
            }
            return .success(OrderAck(intentId: plan.intentId, brokerIds: ids, duplicate: false, signalToSocketMicros: 100,
                                     connectionEpoch: ackEpoch.withLock { $0 }))
        }
    }

    public func snapshot(reason: String) async throws -> BrokerSnapshot {
        let (mode, orders) = state.withLock { ($0.mode, $0.orders) }
        if mode == .down { throw SnapshotDown() }
        return BrokerSnapshot(accounts: ["DU1"], orders: orders, executions: [], portfolio: try Portfolio(cash: 100_000, positions: [], timestamp: Date()),
                              accountValues: [:], connectionEpoch: 1, takenAt: Date())
    }

    public struct SnapshotDown: Error {}
    public func portfolio() async throws -> Portfolio { try Portfolio(cash: 100_000, positions: [], timestamp: Date()) }
    public func cancel(_ request: CancelRequest) async throws {}

    let brokerTime = Mutex<Date?>(nil)
    /// The time `time()` answers (nil: the wall clock).
    public func set(time t: Date?) { brokerTime.withLock { $0 = t } }
    /// The broker's time: the one set, else the wall clock; unreachable while down.
    public func time() async throws -> Date {
        if state.withLock({ $0.mode }) == .down { throw SnapshotDown() }
        return brokerTime.withLock { $0 } ?? Date()
    }
}
