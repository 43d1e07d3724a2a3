import CandlewickCore
import CandlewickTWS
import Foundation
import Logging

/// One request a caller made of the desk (a placement, a contract, a snapshot), numbered by the driver.
public typealias DeskRequestId = Int

/// What goes into `OrderDeskState`: callers' requests, IB's reports, the driver's I/O outcomes, timers, the connection.
public enum DeskEvent: Sendable {
    /// The link is up on connection `epoch` with these accounts (the driver reports it whenever the epoch moved).
    case connectionUp(epoch: Int, accounts: [String])
    /// Connection `epoch` dropped.
    case connectionLost(epoch: Int, reason: String)
    /// Place an intent's legs; answered with `.placed`.
    case placeRequested(DeskRequestId, OrderPlan)
    /// The qualified contract of a symbol; answered with `.contract` or a failure.
    case contractRequested(DeskRequestId, symbol: String)
    /// A complete snapshot of the current connection; answered with `.snapshot` or a failure.
    case snapshotRequested(DeskRequestId)
    /// The broker's time (one reqCurrentTime); answered with `.time` or a failure.
    case timeRequested(DeskRequestId)
    /// The driver took these IB order ids for a placement (after `.takeOrderIds`), or could not.
    case orderIdsTaken(DeskRequestId, Result<[Int], GatewayError>)
    /// The last leg of a placement reached the socket at `at`, or writing failed.
    case legsWritten(DeskRequestId, error: String?, at: Date)
    /// Sending requests failed (see `DeskAction.send`).
    case sendFailed(DeskSend, error: String)
    /// A message from the gateway.
    case tws(TWSEvent)
    /// A timer started by `.startTimer` ran out.
    case timerFired(DeskTimer)
    /// The latest close served for a symbol (portfolio valuation).
    case priceNoted(symbol: String, close: Decimal)
}

/// What a fire-and-forget send was for, so its failure reaches the right request.
public enum DeskSend: Sendable, Hashable {
    case contract(reqId: Int)
    case snapshot(round: Int)
    case time
    case cleanup
}

/// A deadline the desk keeps: one per contract request, placement, snapshot round and time request; cancelled when it ends.
public enum DeskTimer: Sendable, Hashable {
    case contract(reqId: Int)
    case placement(DeskRequestId)
    case snapshot(round: Int)
    case time
}

/// An answer to a caller.
public enum DeskReply: Sendable {
    case placed(Result<OrderAck, OrderRejection>)
    case contract(TWSContract)
    case snapshot(BrokerSnapshot)
    case time(Date)
    case failed(GatewayError)
}

/// What comes out of `OrderDeskState`: I/O for the driver to do.
public enum DeskAction: Sendable {
    /// Write these requests to IB (paced); on failure feed `.sendFailed(what, …)`.
    case send([TWSRequest], DeskSend)
    /// Take `count` order ids from the current connection now (no suspension) and feed `.orderIdsTaken`.
    case takeOrderIds(DeskRequestId, count: Int)
    /// Write a placement's orders, bound to connection `epoch` (nothing of it on a later one); feed `.legsWritten`.
    case write(DeskRequestId, [TWSPlaceOrder], epoch: Int)
    /// Fire `.timerFired(timer)` after `seconds`, unless cancelled first.
    case startTimer(DeskTimer, seconds: Double)
    case cancelTimer(DeskTimer)
    /// Answer request `id`.
    case reply(DeskRequestId, DeskReply)
    /// Publish a changed order or an execution joined with its commission on the bus.
    case publishOrder(BrokerOrder)
    case publishExecution(TradeExecution)
    /// A structured log line.
    case log(Logger.Level, String, [String: String])
}
