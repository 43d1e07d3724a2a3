import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Publishes a `Heartbeat` every interval until graceful shutdown, then one last one with state `stopping`.
/// Each carries the process's metrics (`ProcessMetrics.exposition`), sampled when the heartbeat is made.
public struct HeartbeatService: Service {
    private let context: ProcessContext
    private let publisher: BusPublisher
    private let counters: @Sendable () -> [String: Double]
    private let state: @Sendable () -> String
    private let alerts: @Sendable () -> [HeartbeatAlert]
    /// `candlewick_heartbeat_timestamp_seconds` (Unix time of the last heartbeat) and
    /// `candlewick_heartbeat_interval_seconds`: a gatherer's alert finds a silent process with them.
    private let lastBeat = Gauge(label: "candlewick_heartbeat_timestamp_seconds")
    private let interval = Gauge(label: "candlewick_heartbeat_interval_seconds")

    /// - Parameters:
    ///   - counters: role-specific figures sampled for each heartbeat.
    ///   - state: the process's current state (`running` by default).
    ///   - alerts: what a person must look at now; the first `HeartbeatAlert.maxPerHeartbeat` are sent.
    public init(context: ProcessContext, publisher: BusPublisher,
                state: @escaping @Sendable () -> String = { "running" },
                counters: @escaping @Sendable () -> [String: Double] = { [:] },
                alerts: @escaping @Sendable () -> [HeartbeatAlert] = { [] }) {
        self.context = context
        self.publisher = publisher
        self.counters = counters
        self.state = state
        self.alerts = alerts
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            beat(state: state())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: context.heartbeatInterval) }
        }
        beat(state: "stopping")
    }

    private func beat(state: String) {
        let intervalS = Double(context.heartbeatInterval.components.seconds) + Double(context.heartbeatInterval.components.attoseconds) / 1e18
        lastBeat.record(Date().timeIntervalSince1970)
        interval.record(intervalS)
        do {
            let hb = try Heartbeat(
                process: context.process, instance: context.instance, pid: ProcessInfo.processInfo.processIdentifier,
                host: ProcessInfo.processInfo.hostName, startedAt: context.startedAt, state: state,
                intervalS: intervalS,
                counters: counters().merging(context.security?.counters() ?? [:]) { $1 },
                alerts: Array(alerts().prefix(HeartbeatAlert.maxPerHeartbeat)),
                metrics: ProcessMetrics.exposition(warn: { bytes in
                    context.logger.warning("metrics.dropped", metadata: [
                        "bytes": "\(bytes)", "limit": "\(PrometheusExposition.maxBytes)", "effect": "this heartbeat carries no metrics",
                    ])
                }))
            try publisher.publish(hb)
        } catch {
            context.logger.warning("heartbeat.failed", metadata: ["error": "\(error)"])
        }
    }
}
