import Foundation

/// What every process publishes every few seconds so `status` (and the run owner) can see it is alive.
///
/// Rules: `process` and `instance` non-empty; `pid > 0`; `interval_s > 0`; at most
/// `HeartbeatAlert.maxPerHeartbeat` alerts; `metrics` at most `PrometheusExposition.maxBytes`.
public struct Heartbeat: BusPayload, Hashable {
    public static let messageType = "heartbeat"

    /// The executable, e.g. `chart-worker`.
    public let process: String
    /// The instance name, e.g. `chart-worker.2`.
    public let instance: String
    public let pid: Int32
    public let host: String
    public let startedAt: Date
    /// `starting`, `running`, `stopping`, or a role-specific state.
    public let state: String
    /// Seconds until the next heartbeat; a peer is presumed dead after about three missed ones.
    public let intervalS: Double
    /// Role-specific counters (jobs done, messages rejected, …).
    public let counters: [String: Double]
    /// What a person must look at now (unknown intents, orders the journal does not know, incomplete
    /// audit trails); empty when all is well.
    public let alerts: [HeartbeatAlert]
    /// The process's metrics in the Prometheus text format (docs/metrics.md), gathered by `candlewick metrics`
    /// and the console; nil when the process sends none (or its text was over `PrometheusExposition.maxBytes`).
    public let metrics: String?

    public init(process: String, instance: String, pid: Int32, host: String, startedAt: Date, state: String,
                intervalS: Double, counters: [String: Double] = [:], alerts: [HeartbeatAlert] = [], metrics: String? = nil) throws {
        let v = Validator("Heartbeat")
        try v.nonEmpty(process, "process")
        try v.nonEmpty(instance, "instance")
        try v.require(pid > 0, "pid", "must be > 0")
        try v.require(intervalS > 0 && intervalS.isFinite, "interval_s", "must be > 0")
        for (k, value) in counters { try v.require(value.isFinite, "counters.\(k)", "must be finite") }
        try v.require(alerts.count <= HeartbeatAlert.maxPerHeartbeat, "alerts", "must hold at most \(HeartbeatAlert.maxPerHeartbeat)")
        try v.require((metrics?.utf8.count ?? 0) <= PrometheusExposition.maxBytes, "metrics", "must be at most \(PrometheusExposition.maxBytes) bytes")
        self.process = process
        self.instance = instance
        self.pid = pid
        self.host = host
        self.startedAt = startedAt
        self.state = state
        self.intervalS = intervalS
        self.counters = counters
        self.alerts = alerts
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case process, instance, pid, host, state, counters, alerts, metrics
        case startedAt = "started_at", intervalS = "interval_s"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            process: c.decode(String.self, forKey: .process), instance: c.decode(String.self, forKey: .instance),
            pid: c.decode(Int32.self, forKey: .pid), host: c.decode(String.self, forKey: .host),
            startedAt: c.decode(Date.self, forKey: .startedAt), state: c.decode(String.self, forKey: .state),
            intervalS: c.decode(Double.self, forKey: .intervalS),
            counters: c.decodeIfPresent([String: Double].self, forKey: .counters) ?? [:],
            alerts: c.decodeIfPresent([HeartbeatAlert].self, forKey: .alerts) ?? [],
            metrics: c.decodeIfPresent(String.self, forKey: .metrics))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(process, forKey: .process)
        try c.encode(instance, forKey: .instance)
        try c.encode(pid, forKey: .pid)
        try c.encode(host, forKey: .host)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(state, forKey: .state)
        try c.encode(intervalS, forKey: .intervalS)
        try c.encode(counters, forKey: .counters)
        if !alerts.isEmpty { try c.encode(alerts, forKey: .alerts) }
        try c.encodeIfPresent(metrics, forKey: .metrics)
    }
}

/// A diagnostic message with an opaque body: what `candlewick send`, the benchmarks and the
/// cross-language checks put on the bus.
///
/// Rules: `n >= 0`; `body` at most 1 MiB.
public struct Probe: BusPayload, Hashable {
    public static let messageType = "bus.probe"

    public let n: Int
    public let body: String

    public init(n: Int, body: String) throws {
        let v = Validator("Probe")
        try v.require(n >= 0, "n", "must be >= 0")
        try v.require(body.utf8.count <= 1 << 20, "body", "must be at most 1 MiB")
        self.n = n
        self.body = body
    }

    enum CodingKeys: String, CodingKey { case n, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(n: c.decode(Int.self, forKey: .n), body: c.decode(String.self, forKey: .body))
    }
}
