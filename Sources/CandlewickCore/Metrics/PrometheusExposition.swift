/// The Prometheus text exposition format (version 0.0.4): merging several processes' texts into one.
///
/// Each process publishes its own exposition in its heartbeat (`Heartbeat.metrics`); whoever gathers them
/// (`candlewick metrics`, the console's `/metrics`) merges them with `merge(_:)` into one valid text: each
/// family's `# HELP` and `# TYPE` once, its samples grouped under it, no series twice.
public enum PrometheusExposition {
    /// The largest exposition a heartbeat carries (bytes of UTF-8); a process whose text is larger sends none
    /// and counts the drop (`candlewick_metrics_dropped_total`).
    public static let maxBytes = 256 * 1024

    /// What `merge(_:)` made of its inputs.
    public struct Merged: Sendable, Hashable {
        /// The merged exposition (ends with a newline unless empty).
        public var text: String
        /// Why an input (its index in the list) or part of one was left out: a malformed text is skipped whole;
        /// a family whose type differs from the one an earlier text declared, and a series already seen, are skipped.
        public var skipped: [Skip]
    }

    /// One thing `merge(_:)` left out.
    public struct Skip: Sendable, Hashable, CustomStringConvertible {
        /// The input's index in the list given to `merge(_:)`.
        public var input: Int
        public var reason: String
        public var description: String { "input \(input): \(reason)" }
    }

    /// Merges expositions: families sorted by name, each with its first non-empty HELP and its TYPE once, then its
    /// samples in input order (a series keeps its lines together, so a histogram's buckets, sum and count stay in
    /// one block). A text that does not parse is skipped whole with the reason (line number and what was wrong);
    /// never a crash.
    public static func merge(_ texts: [String]) -> Merged {
        var families: [String: Family] = [:]
        var seenSeries: Set<String> = []
        var skipped: [Skip] = []
        for (index, text) in texts.enumerated() {
            let parsed: [Family]
            do { parsed = try parse(text) } catch {
                skipped.append(Skip(input: index, reason: "\(error)"))
                continue
            }
            for family in parsed {
                if let existing = families[family.name], existing.type != family.type {
                    skipped.append(Skip(input: index, reason: "family \(family.name) has type \(family.type), an earlier input declared \(existing.type)"))
                    continue
                }
                var merged = families[family.name] ?? Family(name: family.name, type: family.type, help: nil, samples: [])
                if merged.help == nil || merged.help == "" { merged.help = family.help }
                for sample in family.samples {
                    guard seenSeries.insert(sample.seriesKey).inserted else {
                        skipped.append(Skip(input: index, reason: "series \(sample.seriesKey) already given"))
                        continue
                    }
                    merged.samples.append(sample)
                }
                families[family.name] = merged
            }
        }
        var out = ""
        for name in families.keys.sorted() {
            let family = families[name]!
            guard !family.samples.isEmpty else { continue }
            if let help = family.help, !help.isEmpty { out += "# HELP \(name) \(help)\n" }
            out += "# TYPE \(name) \(family.type)\n"
            for sample in family.samples { out += sample.line + "\n" }
        }
        return Merged(text: out, skipped: skipped)
    }

    /// One metric family of a parsed text.
    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample]
    }

    /// One sample line, kept as written, and the key that names its series (name and sorted labels).
    struct Sample {
        var line: String
        var seriesKey: String
    }

    /// A text that is not a valid exposition: the line and what is wrong with it.
    public struct ParseError: Error, CustomStringConvertible, Hashable {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    static let types: Set<String> = ["counter", "gauge", "histogram", "summary", "untyped"]

    /// Parses one exposition into its families, in the order they first appear.
    static func parse(_ text: String) throws(ParseError) -> [Family] {
        var families: [Family] = []
        var position: [String: Int] = [:]
        func family(_ name: String) -> Int {
            if let i = position[name] { return i }
            families.append(Family(name: name, type: "untyped", help: nil, samples: []))
            position[name] = families.count - 1
            return families.count - 1
        }
        var declared: Set<String> = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let number = n + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.hasPrefix("#") {
                let words = line.dropFirst().split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard words.count >= 2, words[0] == "HELP" || words[0] == "TYPE" else { continue }  // a plain comment
                let name = String(words[1])
                guard isMetricName(name) else { throw ParseError(line: number, problem: "invalid metric name \"\(name.prefix(80))\"") }
                let rest = words.count > 2 ? words[2...].joined(separator: " ") : ""
                let i = family(name)
                if words[0] == "HELP" {
                    families[i].help = rest
                } else {
                    guard types.contains(rest) else { throw ParseError(line: number, problem: "unknown type \"\(rest.prefix(40))\" for \(name)") }
                    guard !declared.contains(name) else { throw ParseError(line: number, problem: "second TYPE line for \(name)") }
                    guard families[i].samples.isEmpty else { throw ParseError(line: number, problem: "TYPE for \(name) after its samples") }
                    declared.insert(name)
                    families[i].type = rest
                }
                continue
            }
            let sample = try parseSample(line, number: number)
            let owner = owningFamily(of: sample.name, declared: declared, types: { position[$0].map { families[$0].type } })
            let i = family(owner)
            if let existing = families[i].samples.first(where: { $0.seriesKey == sample.key }) {
                throw ParseError(line: number, problem: "series \(existing.seriesKey) given twice")
            }
            families[i].samples.append(Sample(line: String(line), seriesKey: sample.key))
        }
        return families
    }

    /// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` (a summary's `_sum` and
    /// `_count`) belong to the declared base name; any other sample to its own name.
    static func owningFamily(of name: String, declared: Set<String>, types: (String) -> String?) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            guard declared.contains(base), let type = types(base) else { continue }
            if type == "histogram" || (type == "summary" && suffix != "_bucket") { return base }
        }
        return name
    }

    /// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ s: some StringProtocol) -> Bool {
        guard let first = s.utf8.first, isNameStart(first) else { return false }
        return s.utf8.allSatisfy { isNameStart($0) || ($0 >= 48 && $0 <= 57) }
    }

    private static func isNameStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 58 }
}
