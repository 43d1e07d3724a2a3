import Metrics
import Synchronization

/// A counter family whose label values are known only at run time (a message type, a reason code): each
/// series' `Counter` is made once, on first use, and cached, so a hot path pays a dictionary lookup under a
/// lock, not a registry lookup per event.
///
/// Make instances after `MetricsSystem` is bootstrapped (`ProcessMetrics.bootstrap`, called by
/// `ProcessContext`): a handle made before it counts nothing.
public final class LabelledCounters: Sendable {
    /// The metric name, e.g. `candlewick_bus_messages_sent_total`.
    public let name: String
    /// The label names, in the order `increment` takes their values.
    public let labels: [String]
    private let cache = Mutex<[[String]: Counter]>([:])
    /// The series of a one-label family by its value: no array to build per call (the bus's hooks).
    private let single = Mutex<[String: Counter]>([:])

    public init(_ name: String, labels: [String]) {
        self.name = name
        self.labels = labels
    }

    /// Adds `by` to the series with these label values (one per name in `labels`, in order).
    public func increment(_ values: String..., by amount: Int64 = 1) {
        counter(values).increment(by: amount)
    }

    /// Adds `by` to the series of a one-label family whose label has `value` (the hot-path form).
    public func increment(_ value: String, by amount: Int64 = 1) {
        let c = single.withLock { cache in
            if let c = cache[value] { return c }
            let c = counter([value])
            cache[value] = c
            return c
        }
        c.increment(by: amount)
    }

    /// The cached counter of one series.
    public func counter(_ values: [String]) -> Counter {
        cache.withLock { cache in
            if let c = cache[values] { return c }
            let c = Counter(label: name, dimensions: Array(zip(labels, values)))
            cache[values] = c
            return c
        }
    }
}

/// A floating-point counter family with run-time label values (cost in USD by provider); cached like
/// `LabelledCounters`.
public final class LabelledFloatCounters: Sendable {
    public let name: String
    public let labels: [String]
    private let cache = Mutex<[[String]: FloatingPointCounter]>([:])

    public init(_ name: String, labels: [String]) {
        self.name = name
        self.labels = labels
    }

    /// Adds `amount` (ignored when negative or not finite: a counter only grows).
    public func increment(_ values: String..., by amount: Double) {
        guard amount.isFinite, amount > 0 else { return }
        let c = cache.withLock { cache in
            if let c = cache[values] { return c }
            let c = FloatingPointCounter(label: name, dimensions: Array(zip(labels, values)))
            cache[values] = c
            return c
        }
        c.increment(by: amount)
    }
}

/// A gauge family with run-time label values (a trading state, a queue name); cached like `LabelledCounters`.
public final class LabelledGauges: Sendable {
    public let name: String
    public let labels: [String]
    private let cache = Mutex<[[String]: Gauge]>([:])

    public init(_ name: String, labels: [String]) {
        self.name = name
        self.labels = labels
    }

    /// Sets the series with these label values to `value`.
    public func set(_ values: String..., to value: Double) {
        let g = cache.withLock { cache in
            if let g = cache[values] { return g }
            let g = Gauge(label: name, dimensions: Array(zip(labels, values)))
            cache[values] = g
            return g
        }
        g.record(value)
    }
}
