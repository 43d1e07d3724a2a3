import CandlewickCore
import CandlewickTWS
import Foundation

/// Placements: from a request to IB's acknowledgement of every leg, or the reason there is none.
extension OrderDeskState {
    /// Takes placement `id` as far as it can go now: a snapshot first when this connection has none (or
    /// when its intent was written and not reported), an answer from IB's orders when IB already holds
    /// any of it or it cannot tell, else the contract, then the order ids.
    mutating func advance(_ id: DeskRequestId, lookAgainDone: Bool, afterContract: Bool, now: Date, _ out: inout [DeskAction]) {
        guard let p = placements[id] else { return }
        let plan = p.plan
        if syncedEpoch != epoch {
            placements[id]?.stage = .snapshot
            requestSnapshot(.placement(id, lookAgain: false), &out)
            return
        }
        if placements.contains(where: { $0.key != id && $0.value.plan.intentId == plan.intentId && $0.value.isPlacing }) {
            finishPlacement(id, .failure(unknown(plan.intentId, .inProgress, "intent \(plan.intentId) is being placed right now")), &out)
            return
        }
        let atIB = plan.legs.filter { orders[$0.orderRef] != nil }
        if !lookAgainDone, written[plan.intentId] != nil, atIB.count < plan.legs.count {
            // Written on this connection and not reported: look again before saying so.
            placements[id]?.stage = .snapshot
            requestSnapshot(.placement(id, lookAgain: true), &out)
            return
        }
        if atIB.count == plan.legs.count {
            written[plan.intentId] = nil
            let ids = Dictionary(atIB.map { ($0.orderRef, orders[$0.orderRef]!.brokerOrderId) }) { a, _ in a }
            out.append(.log(.notice, "gateway.duplicate_intent", ["intent": plan.intentId, "legs_at_ib": "\(atIB.count)", "epoch": "\(epoch)"]))
            finishPlacement(id, .success(OrderAck(intentId: plan.intentId, brokerIds: ids, duplicate: true, connectionEpoch: epoch)), &out)
            return
        }
        if !atIB.isEmpty {
            let message = "IB holds only \(atIB.map(\.orderRef).joined(separator: ",")) of intent \(plan.intentId) (\(plan.legs.count) legs)"
            out.append(.log(.critical, "gateway.partial_intent_at_ib", ["intent": plan.intentId, "detail": message]))
            finishPlacement(id, .failure(unknown(plan.intentId, .partialAtIB, message)), &out)
            return
        }
        if written[plan.intentId] != nil {
            out.append(.log(.critical, "gateway.unconfirmed_intent", ["intent": plan.intentId, "epoch": "\(epoch)"]))
            let message = "intent \(plan.intentId) was written to IB on this connection and IB does not report it"
            finishPlacement(id, .failure(unknown(plan.intentId, .unconfirmed, message)), &out)
            return
        }
        // IB holds none of it and nothing of it is being written: place it, once the contract is known.
        if !afterContract, p.contract == nil {
            if let c = contracts[plan.symbol] {
                placements[id]?.contract = c
            } else {
                placements[id]?.stage = .contract
                lookUp(plan.symbol, for: .placement(id), &out)
                return
            }
        }
        placements[id]?.stage = .ids
        out.append(.takeOrderIds(id, count: plan.legs.count))
    }

    /// The driver took the order ids: the TWS orders (`BracketMapping`) are written on this connection only.
    mutating func idsTaken(_ id: DeskRequestId, _ result: Result<[Int], GatewayError>, _ out: inout [DeskAction]) {
        guard let p = placements[id], case .ids = p.stage, let contract = p.contract else { return }
        let plan = p.plan
        guard case .success(let orderIds) = result, orderIds.count == plan.legs.count else {
            let message = if case .failure(let e) = result { "\(e)" } else { "IB gave \((try? result.get())?.count ?? 0) order ids for \(plan.legs.count) legs" }
            finishPlacement(id, .failure(rejection(plan.intentId, code: nil, message)), &out)
            return
        }
        let requests = BracketMapping.requests(for: plan, contract: contract, orderIds: orderIds)
        let ids = Dictionary(zip(plan.legs.map(\.orderRef), orderIds)) { a, _ in a }
        // Remember what is written on this connection: until IB reports it, a second request for the intent cannot be answered from memory.
        written[plan.intentId] = ids
        for r in requests { refById[r.orderId] = r.order.orderRef }
        placements[id]?.stage = .placing(ids: ids, seen: [], epoch: epoch, writtenAt: nil)
        out.append(.startTimer(.placement(id), seconds: timeout))
        out.append(.write(id, requests, epoch: epoch))
    }

    /// IB reported order `orderId` (with its `ref` when the report carries one): one more leg of a placement confirmed.
    mutating func acknowledge(_ orderId: Int, ref: String?, _ out: inout [DeskAction]) {
        guard let (id, p) = placements.first(where: { $0.value.placingIds?.values.contains(orderId) == true }),
              case .placing(let ids, var seen, let e, let at) = p.stage else { return }
        if let ref, written[p.plan.intentId]?[ref] != orderId { return }
        seen.insert(orderId)
        guard seen == Set(ids.values) else {
            placements[id]?.stage = .placing(ids: ids, seen: seen, epoch: e, writtenAt: at)
            return
        }
        written[p.plan.intentId] = nil
        let micros = at.map { Int($0.timeIntervalSince(p.plan.receivedAt) * 1_000_000) }
        out.append(.log(.info, "gateway.order_placed", ["intent": p.plan.intentId, "symbol": p.plan.symbol, "ids": "\(ids.values.sorted())", "epoch": "\(e)"]))
        finishPlacement(id, .success(OrderAck(intentId: p.plan.intentId, brokerIds: ids, duplicate: false, signalToSocketMicros: micros,
                                              connectionEpoch: e)), &out)
    }

    /// IB refused a leg of placement `id`: nothing transmitted; cancel the legs it may hold untransmitted.
    mutating func refused(_ id: DeskRequestId, code: Int, _ message: String, _ out: inout [DeskAction]) {
        guard let p = placements[id], case .placing(let ids, _, _, _) = p.stage else { return }
        written[p.plan.intentId] = nil
        var cancels: [TWSRequest] = []
        for leg in p.plan.legs {
            orders[leg.orderRef] = nil
            if let orderId = ids[leg.orderRef] {
                refById[orderId] = nil
                cancels.append(.cancelOrder(orderId: orderId, manualOrderCancelTime: ""))
            }
        }
        finishPlacement(id, .failure(rejection(p.plan.intentId, code: code, message)), &out)
        out.append(.send(cancels, .cleanup))
    }

    /// Ends placement `id` with `result` (its timer with it).
    mutating func finishPlacement(_ id: DeskRequestId, _ result: Result<OrderAck, OrderRejection>, _ out: inout [DeskAction]) {
        guard let p = placements.removeValue(forKey: id) else { return }
        if case .placing = p.stage { out.append(.cancelTimer(.placement(id))) }
        out.append(.reply(id, .placed(result)))
    }

    /// A rejection; without an IB code (not connected, timeout) nothing says IB refused it: the outcome stays open.
    func rejection(_ intentId: String, code: Int?, _ message: String) -> OrderRejection {
        OrderRejection(intentId: intentId, orderRef: nil, code: code, message: message, outcomeUnknown: code == nil,
                       unknownReason: code == nil ? .connectionLost : nil)
    }

    /// The desk cannot say whether IB holds the intent, and why.
    func unknown(_ intentId: String, _ why: OrderRejection.UnknownReason, _ message: String) -> OrderRejection {
        OrderRejection(intentId: intentId, orderRef: nil, code: nil, message: message, outcomeUnknown: true, unknownReason: why)
    }

    func unknown(_ id: DeskRequestId, _ why: OrderRejection.UnknownReason, _ message: String) -> OrderRejection {
        unknown(placements[id]?.plan.intentId ?? "?", why, message)
    }
}

extension OrderDeskState.Placement {
    /// The order ids by ref once written.
    var placingIds: [String: Int]? {
        if case .placing(let ids, _, _, _) = stage { ids } else { nil }
    }
}
