extension PrometheusExposition {
    /// The merge of one exposition per instance, and what was left out, named by instance.
    public struct Gathered: Sendable, Hashable {
        /// The merged exposition (`merge(_:)`'s text).
        public var text: String
        /// Each part left out, as `"<instance>: <reason>"`.
        public var skipped: [String]
    }

    /// Merges the latest exposition of each instance (instance → text): the inputs in instance order, so the same
    /// inputs give the same text. The one gathering step both `candlewick metrics` and the console's `/metrics` use.
    public static func gather(_ latest: [String: String]) -> Gathered {
        let instances = latest.keys.sorted()
        let merged = merge(instances.map { latest[$0]! })
        return Gathered(text: merged.text, skipped: merged.skipped.map { "\(instances[$0.input]): \($0.reason)" })
    }
}
