import CandlewickCore
import Foundation
import Logging
import Synchronization

/// One log line per record on stderr: `text` (`ts level label: message key=value …`) or `json`
/// (one object per line). Metadata keys are dotted (`msg.id`, `bus.topic`).
public struct LineLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format
    private static let lock = Mutex(())

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let ts = UTCTimestamp.format(Date())
        let line: String
        switch format {
        case .text:
            let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote("\($0.value)"))" }.joined(separator: " ")
            line = "\(ts) \(event.level) \(label): \(event.message)\(meta.isEmpty ? "" : " " + meta)\n"
        case .json:
            var object: [String: String] = ["ts": ts, "level": "\(event.level)", "logger": label, "msg": "\(event.message)"]
            for (k, v) in all { object[k] = "\(v)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        Self.lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    private static func quote(_ s: String) -> String {
        s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(s.replacingOccurrences(of: "\"", with: "\\\""))\"" : s
    }
}

/// Bootstraps swift-log once per process.
public enum LogSetup {
    private static let done = Mutex(false)

    /// Installs `LineLogHandler` for every logger (first call wins).
    public static func bootstrap(level: Logger.Level, format: LineLogHandler.Format) {
        let first = done.withLock { d -> Bool in
            defer { d = true }
            return !d
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
    }
}
