import Foundation

/// MLflow's server-side limits (measured against mlflow 3.17.2) and the pure fix-ups that keep a
/// record inside them: keys made legal, values truncated, batches split.
public enum MLflowLimits {
    public static let maxParamValue = 6000
    public static let maxTagValue = 8000
    public static let maxKey = 250
    public static let maxParamsPerBatch = 100
    public static let maxTagsPerBatch = 100
    public static let maxMetricsPerBatch = 1000
    public static let maxItemsPerBatch = 1000

    /// A legal MLflow key: characters outside `[A-Za-z0-9_ .:/-]` become `_`, no leading `/`, no
    /// empty or `..` path segment, at most 250 characters; an empty key becomes `_`.
    public static func key(_ raw: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in raw.unicodeScalars {
            let ok = (s.isASCII && (CharacterSet.alphanumerics.contains(s) || "_-. :/".unicodeScalars.contains(s)))
            scalars.append(ok ? s : "_")
        }
        let segments = String(scalars).split(separator: "/", omittingEmptySubsequences: true)
            .map { $0 == ".." || $0 == "." ? "_" : String($0) }
        let joined = segments.joined(separator: "/")
        let cut = truncate(joined, to: maxKey)
        return cut.isEmpty ? "_" : cut
    }

    /// `text` cut to at most `limit` Unicode scalars (MLflow counts Python characters).
    public static func truncate(_ text: String, to limit: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > limit else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(limit)))
    }
}

/// One parameter, metric or tag for `runs/log-batch`.
public struct MLflowParam: Codable, Sendable, Hashable {
    public let key: String
    public let value: String
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

/// A tag (same shape as a parameter; tags may change, parameters may not).
public typealias MLflowTag = MLflowParam

/// A metric point. `timestamp` is epoch milliseconds; it is taken from the record, not from the
/// clock at upload time, so a replayed point is identical and MLflow keeps it once.
public struct MLflowMetric: Codable, Sendable, Hashable {
    public let key: String
    public let value: Double
    public let timestamp: Int64
    public let step: Int64
    public init(_ key: String, _ value: Double, timestamp: Int64, step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// What one `runs/log-batch` (or several) carries.
public struct LogBatch: Sendable, Hashable {
    public var params: [MLflowParam]
    public var metrics: [MLflowMetric]
    public var tags: [MLflowTag]

    public init(params: [MLflowParam] = [], metrics: [MLflowMetric] = [], tags: [MLflowTag] = []) {
        self.params = params
        self.metrics = metrics
        self.tags = tags
    }

    public var isEmpty: Bool { params.isEmpty && metrics.isEmpty && tags.isEmpty }
    public var count: Int { params.count + metrics.count + tags.count }

    /// What was changed to fit MLflow's rules, for the log and the skipped-items report.
    public struct FixUp: Sendable, Hashable {
        public var truncated: [String] = []
        public var renamed: [String: String] = [:]
        public var dropped: [String] = []
        public var isEmpty: Bool { truncated.isEmpty && renamed.isEmpty && dropped.isEmpty }
    }

    /// Keys made legal, values truncated to MLflow's limits, non-finite metrics dropped (JSON
    /// cannot carry them), and duplicate parameter/tag keys reduced to the first occurrence (a
    /// batch that sets one parameter twice is refused).
    public func sanitized() -> (LogBatch, FixUp) {
        var fix = FixUp()
        func k(_ raw: String) -> String {
            let s = MLflowLimits.key(raw)
            if s != raw { fix.renamed[raw] = s }
            return s
        }
        func pairs(_ items: [MLflowParam], limit: Int) -> [MLflowParam] {
            var seen = Set<String>()
            var out: [MLflowParam] = []
            for p in items {
                let key = k(p.key)
                guard seen.insert(key).inserted else { fix.dropped.append(key); continue }
                let value = MLflowLimits.truncate(p.value, to: limit)
                if value != p.value { fix.truncated.append(key) }
                out.append(MLflowParam(key, value))
            }
            return out
        }
        let params = pairs(self.params, limit: MLflowLimits.maxParamValue)
        let tags = pairs(self.tags, limit: MLflowLimits.maxTagValue)
        var metrics: [MLflowMetric] = []
        for m in self.metrics {
            guard m.value.isFinite else { fix.dropped.append(m.key); continue }
            metrics.append(MLflowMetric(k(m.key), m.value, timestamp: m.timestamp, step: m.step))
        }
        return (LogBatch(params: params, metrics: metrics, tags: tags), fix)
    }

    /// Splits into batches that respect MLflow's per-request limits (≤ 100 params, ≤ 100 tags,
    /// ≤ 1000 metrics, ≤ 1000 items in all), keeping the order of each kind.
    public func split() -> [LogBatch] {
        var params = self.params[...]
        var tags = self.tags[...]
        var metrics = self.metrics[...]
        var out: [LogBatch] = []
        while !params.isEmpty || !tags.isEmpty || !metrics.isEmpty {
            let p = params.prefix(MLflowLimits.maxParamsPerBatch)
            let t = tags.prefix(MLflowLimits.maxTagsPerBatch)
            let room = min(MLflowLimits.maxMetricsPerBatch, MLflowLimits.maxItemsPerBatch - p.count - t.count)
            let m = metrics.prefix(room)
            out.append(LogBatch(params: Array(p), metrics: Array(m), tags: Array(t)))
            params = params.dropFirst(p.count)
            tags = tags.dropFirst(t.count)
            metrics = metrics.dropFirst(m.count)
        }
        return out
    }

    /// One single-item batch per parameter, metric and tag: used to find which item a server refused.
    public func items() -> [LogBatch] {
        params.map { LogBatch(params: [$0]) } + metrics.map { LogBatch(metrics: [$0]) } + tags.map { LogBatch(tags: [$0]) }
    }
}
