import Foundation
import Synchronization

/// The chart PNGs that arrived with `run.symbol` records, kept in memory so the console can show them
/// without reading any run folder. Looked up by key, never by a path on disk (no traversal possible);
/// bounded by bytes, the oldest charts leave first.
public final class ChartStore: Sendable {
    private struct Storage {
        var images: [String: Data] = [:]
        var order: [String] = []
        var bytes = 0
    }

    private let storage = Mutex(Storage())
    /// The most bytes of PNG kept at once.
    public let budgetBytes: Int

    /// - Parameter budgetBytes: the most bytes of PNG kept (256 MiB by default: 500 symbols' two charts at ~130 KB each fit).
    public init(budgetBytes: Int = 256 << 20) { self.budgetBytes = budgetBytes }

    /// The URL path the page loads a chart from.
    public static func path(runId: String, symbol: String, timeframe: String) -> String {
        "/charts/\(percentEncoded(runId))/\(percentEncoded(symbol))/\(timeframe).png"
    }

    /// Keeps `png` for (run, symbol, timeframe), dropping the oldest charts past the budget.
    public func put(runId: String, symbol: String, timeframe: String, png: Data) {
        let key = Self.key(runId, symbol, timeframe)
        storage.withLock { s in
            if let old = s.images[key] {
                s.bytes -= old.count
                s.order.removeAll { $0 == key }
            }
            s.images[key] = png
            s.order.append(key)
            s.bytes += png.count
            while s.bytes > budgetBytes, s.order.count > 1 {
                let gone = s.order.removeFirst()
                s.bytes -= s.images.removeValue(forKey: gone)?.count ?? 0
            }
        }
    }

    /// The PNG for (run, symbol, timeframe), or nil when it never arrived or was dropped.
    public func get(runId: String, symbol: String, timeframe: String) -> Data? {
        storage.withLock { $0.images[Self.key(runId, symbol, timeframe)] }
    }

    /// Bytes held now.
    public var bytes: Int { storage.withLock { $0.bytes } }

    private static func key(_ run: String, _ symbol: String, _ timeframe: String) -> String { "\(run)\u{0}\(symbol)\u{0}\(timeframe)" }

    private static func percentEncoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? s
    }
}
