import CandlewickCore
import Foundation

/// Stored analyses by `AnalysisCacheKey`: the validated signal's exact bytes, the raw answer and
/// the usage. Replaying an entry makes no HTTP call and returns byte-identical signals. Entries are
/// written atomically; secrets are never part of a key or an entry.
public struct AnalysisCache: Sendable {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public struct Entry: Codable, Sendable {
        public let signalJSON: Data
        public let rawAnswer: String
        public let reasons: [String]
        public let usage: TokenUsage

        enum CodingKeys: String, CodingKey {
            case signalJSON = "signal_json", rawAnswer = "raw_answer", reasons, usage
        }
    }

    func path(_ key: AnalysisCacheKey) -> String { (directory as NSString).appendingPathComponent("\(key.digest).json") }

    public func load(_ key: AnalysisCacheKey) -> Entry? {
        guard let data = FileManager.default.contents(atPath: path(key)) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    public func store(_ entry: Entry, for key: AnalysisCacheKey) throws {
        try JSONEncoder().encode(entry).write(to: URL(fileURLWithPath: path(key)), options: .atomic)
    }
}
