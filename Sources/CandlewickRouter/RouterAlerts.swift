import CandlewickCore
import Synchronization

/// The router's current alerts, readable from any thread (the heartbeat samples them).
public final class RouterAlerts: Sendable {
    private let current = Mutex<[HeartbeatAlert]>([])

    public init() {}

    /// Every alert (the heartbeat sends the first `HeartbeatAlert.maxPerHeartbeat`).
    public var alerts: [HeartbeatAlert] { current.withLock { $0 } }
    /// `alerts.intents_unknown` and `alerts.orders_not_in_journal`: the counts of all of them.
    public var counters: [String: Double] { OrderAlerts.counters(alerts) }

    func set(_ alerts: [HeartbeatAlert]) { current.withLock { $0 = alerts } }
}
