extension PrometheusExposition {
    /// A parsed sample line: its metric name and its series key (name and labels sorted by label name).
    struct ParsedSample {
        var name: String
        var key: String
    }

    /// Parses `name{label="value",…} value [timestamp]`; label values may hold `\\`, `\"` and `\n` escapes.
    static func parseSample(_ line: Substring, number: Int) throws(ParseError) -> ParsedSample {
        let chars = Array(line.unicodeScalars)
        var i = 0
        func fail(_ problem: String) -> ParseError { ParseError(line: number, problem: problem) }
        func skipBlanks() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func name() -> String {
            var s = String.UnicodeScalarView()
            while i < chars.count, chars[i].isASCII, isMetricName(String(chars[i])) || ("0"..."9").contains(chars[i]) {
                s.append(chars[i])
                i += 1
            }
            return String(s)
        }
        skipBlanks()
        let metric = name()
        guard isMetricName(metric) else { throw fail("a sample line must start with a metric name: \"\(line.prefix(80))\"") }
        var labels: [(String, String)] = []
        skipBlanks()
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                skipBlanks()
                guard i < chars.count else { throw fail("unterminated label set for \(metric)") }
                if chars[i] == "}" { i += 1; break }
                let label = name()
                guard !label.isEmpty, isMetricName(label), !label.contains(":") else { throw fail("invalid label name in \(metric)") }
                skipBlanks()
                guard i < chars.count, chars[i] == "=" else { throw fail("label \(label) of \(metric) has no '='") }
                i += 1
                skipBlanks()
                guard i < chars.count, chars[i] == "\"" else { throw fail("label \(label) of \(metric) has no quoted value") }
                i += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while i < chars.count {
                    let c = chars[i]
                    i += 1
                    if c == "\"" { closed = true; break }
                    if c == "\\" {
                        guard i < chars.count else { break }
                        let e = chars[i]
                        i += 1
                        switch e {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("invalid escape \\\(e) in label \(label) of \(metric)")
                        }
                        continue
                    }
                    value.append(c)
                }
                guard closed else { throw fail("unterminated value of label \(label) of \(metric)") }
                guard !labels.contains(where: { $0.0 == label }) else { throw fail("label \(label) given twice in \(metric)") }
                labels.append((label, String(value)))
                skipBlanks()
                guard i < chars.count else { throw fail("unterminated label set for \(metric)") }
                if chars[i] == "," { i += 1 } else if chars[i] != "}" { throw fail("expected ',' or '}' in the labels of \(metric)") }
            }
        }
        let rest = String(String.UnicodeScalarView(chars[i...])).split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard rest.count == 1 || rest.count == 2 else { throw fail("\(metric) needs a value and at most a timestamp after it") }
        guard isSampleValue(rest[0]) else { throw fail("value \"\(rest[0].prefix(40))\" of \(metric) is not a number") }
        if rest.count == 2, Int64(rest[1]) == nil { throw fail("timestamp \"\(rest[1].prefix(40))\" of \(metric) is not an integer") }
        let sorted = labels.sorted { $0.0 < $1.0 }
        let key = metric + "{" + sorted.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        return ParsedSample(name: metric, key: key)
    }

    /// A float as Go's ParseFloat reads it, plus `+Inf`, `-Inf` and `NaN`.
    static func isSampleValue(_ s: Substring) -> Bool {
        if ["+Inf", "-Inf", "Inf", "NaN"].contains(s) { return true }
        guard let v = Double(s) else { return false }
        return !v.isNaN || s == "NaN"
    }
}
