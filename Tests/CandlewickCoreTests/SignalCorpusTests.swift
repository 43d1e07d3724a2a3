@testable import CandlewickCore
import Foundation
import Testing

/// The hand-written correct answers of tests/python/signal_corpus (real symbols and dates, citing
/// daily and weekly values), judged in-process against contexts built from the bundled CSVs the
/// way `chart-worker render --as-of` builds them. The Python corpus test runs the same answers
/// through the strict mock servers; this one gives a fast, exact reason when one is refused.
@Suite("Signal corpus: correct answers")
struct SignalCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Fixture: Decodable {
        let id: String
        let symbol: String
        let asOf: String
        let answer: JSONValue
        enum CodingKeys: String, CodingKey { case id, symbol, answer, asOf = "as_of" }
    }

    static func fixtures() throws -> [(Fixture, String)] {
        let data = try Data(contentsOf: root.appendingPathComponent("tests/python/signal_corpus/good_answers.json"))
        let raw = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        let list = try JSONDecoder().decode([Fixture].self, from: data)
        return zip(list, raw).map { f, r in
            (f, String(decoding: try! JSONSerialization.data(withJSONObject: r["answer"]!, options: [.sortedKeys]), as: UTF8.self))
        }
    }

    static func context(_ symbol: String, asOf: String) throws -> AnalysisContext {
        let csv = try String(contentsOf: root.appendingPathComponent("deploy/data/daily/\(symbol).csv"), encoding: .utf8)
        let cutoff = UTCTimestamp.parse(asOf)!
        let bars = try BarCSV.parse(csv, source: symbol).bars.filter { $0.timestamp <= cutoff }
        let weekly = try IndicatorSeries(bars: WeeklyResampler.weekly(bars, asOf: bars.last!.timestamp).bars).snapshot(symbol: symbol)
        return try AnalysisContext.from(symbol: symbol, bars: bars, weekly: weekly)
    }

    @Test func everyCorrectAnswerIsAccepted() throws {
        let all = try Self.fixtures()
        #expect(all.count >= 20)
        #expect(Set(all.map(\.0.symbol)).count >= 5 && Set(all.map { "\($0.0.symbol)@\($0.0.asOf)" }).count >= 10)
        var actions: [SignalAction: Int] = [:]
        for (f, raw) in all {
            let o = SignalValidator().validate(raw, context: try Self.context(f.symbol, asOf: f.asOf), provider: "test", model: "m",
                                               promptVersion: AnalysisPrompt.version, signalId: f.id, now: Date(timeIntervalSince1970: 0))
            #expect(o.accepted, "\(f.id): \(o.reasons)")
            actions[o.signal.action, default: 0] += 1
        }
        #expect((actions[.buy] ?? 0) >= 5 && (actions[.sell] ?? 0) >= 4 && (actions[.hold] ?? 0) >= 8, "\(actions)")
    }
}

@Suite("Refusal rules are documented")
struct RefusalRuleDocTests {
    /// docs/signals.md lists every rule id with its summary, and nothing else.
    @Test func docsListEveryRule() throws {
        let doc = try String(contentsOf: SignalCorpusTests.root.appendingPathComponent("docs/signals.md"), encoding: .utf8)
        for rule in RefusalRule.allCases {
            #expect(doc.contains("| `\(rule.rawValue)` | \(rule.summary) |"), "\(rule.rawValue) missing from docs/signals.md")
        }
        let section = try #require(doc.range(of: "## Refusal rules")).upperBound
        let listed = doc[section...].split(separator: "\n").filter { $0.hasPrefix("| `") }.map { String($0.split(separator: "`")[1]) }
        #expect(listed == RefusalRule.allCases.map(\.rawValue), "the table lists exactly the rules, in order")
    }
}
