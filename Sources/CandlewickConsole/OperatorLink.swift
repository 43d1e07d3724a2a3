import CandlewickBus
import CandlewickCore
import Foundation

/// Sends a trading command to order-router and returns its answer.
public protocol TradingCommandSender: Sendable {
    /// Sends `action` with `reason`; returns order-router's trading state after it (its `refused` says what it did not do).
    func send(_ action: TradingCommand.Action, reason: String) async throws -> TradingStateReport
}

/// Why a command could not be sent or had no usable answer.
public struct OperatorLinkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// An error with its text.
    public init(_ d: String) { description = d }
}

/// `trading.command` over order-router's command socket, as `candlewick trading` does: the console's
/// operator identity (operator key, `source` = a `candlewick-trading.*` instance), a deadline and a nonce.
public final class BusTradingCommandSender: TradingCommandSender {
    private let client: RequestClient
    /// The payload `source` label (must be in `router.allowed_sources`).
    public let label: String
    public let timeout: Duration
    /// The wait for `cancel_all` and `flatten`: order-router waits for IB to confirm the cancels (up to 10 s) before
    /// it closes positions (as `candlewick trading` waits).
    public let cleanupTimeout: Duration

    /// - Parameters:
    ///   - client: a DEALER to order-router's command socket holding the operator key.
    ///   - label: the payload `source` label.
    public init(client: RequestClient, label: String, timeout: Duration = .seconds(10), cleanupTimeout: Duration = .seconds(30)) {
        self.client = client
        self.label = label
        self.timeout = timeout
        self.cleanupTimeout = cleanupTimeout
    }

    /// One `trading.command` request and its `trading.state` answer (timeout: `timeout`, or `cleanupTimeout` for
    /// `cancel_all` and `flatten`).
    public func send(_ action: TradingCommand.Action, reason: String) async throws -> TradingStateReport {
        let wait = action == .cancelAll || action == .flatten ? cleanupTimeout : timeout
        let reply = try await client.request(try TradingCommand(action: action, reason: reason, source: label), timeout: wait)
        guard let report = reply.payload(as: TradingStateReport.self) else {
            throw OperatorLinkError("order-router answered \(reply.header.type), not trading.state")
        }
        return report
    }

    /// Closes the socket.
    public func close() async { await client.close() }
}
