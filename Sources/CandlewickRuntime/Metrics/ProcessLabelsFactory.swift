import Metrics

/// A `MetricsFactory` that adds the labels every Candlewick metric carries, `process` (the role, e.g.
/// `chart-worker`) and `instance` (e.g. `chart-worker.2`), to each handle it makes, then hands it to the
/// wrapped factory. A dimension the caller already gives under one of these names is kept as given.
public struct ProcessLabelsFactory: MetricsFactory {
    /// The factory that makes the handles (a `PrometheusMetricsFactory` in a process).
    public let wrapped: any MetricsFactory
    /// The labels added, in order: `[("process", …), ("instance", …)]`.
    public let labels: [(String, String)]

    public init(wrapping factory: any MetricsFactory, process: String, instance: String) {
        wrapped = factory
        labels = [("process", process), ("instance", instance)]
    }

    /// `dimensions` followed by the process labels it does not already name.
    public func dimensions(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions + labels.filter { label in !dimensions.contains { $0.0 == label.0 } }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        wrapped.makeCounter(label: label, dimensions: self.dimensions(dimensions))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        wrapped.makeFloatingPointCounter(label: label, dimensions: self.dimensions(dimensions))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        wrapped.makeMeter(label: label, dimensions: self.dimensions(dimensions))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        wrapped.makeRecorder(label: label, dimensions: self.dimensions(dimensions), aggregate: aggregate)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        wrapped.makeTimer(label: label, dimensions: self.dimensions(dimensions))
    }

    public func destroyCounter(_ handler: any CounterHandler) { wrapped.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { wrapped.destroyFloatingPointCounter(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { wrapped.destroyMeter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { wrapped.destroyRecorder(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { wrapped.destroyTimer(handler) }
}
