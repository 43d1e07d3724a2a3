@testable import CandlewickCore
import Foundation

/// A JSON document the tests can change and write in unusual but valid ways: numbers keep their
/// spelling, objects keep their order (and may repeat a key).
indirect enum TestJSON {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([TestJSON])
    case object([(String, TestJSON)])

    init(_ node: FastJSONNode, bytes: [UInt8]) {
        switch node {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let r): self = .number(String(decoding: bytes[r], as: UTF8.self))
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map { TestJSON($0, bytes: bytes) })
        case .object(let m): self = .object(m.map { ($0.key, TestJSON($0.value, bytes: bytes)) })
        }
    }

    /// The text; `fancy` sometimes adds white space and escapes that need none (`\/`, `\u00e9`).
    func text(_ rng: inout SplitMix64, fancy: Bool) -> String {
        let ws = fancy && Int.random(in: 0..<4, using: &rng) == 0 ? [" ", "\n", "\t", "\r\n "].randomElement(using: &rng)! : ""
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return Self.quote(s, &rng, fancy: fancy)
        case .array(let a): return "[" + ws + a.map { $0.text(&rng, fancy: fancy) }.joined(separator: "," + ws) + ws + "]"
        case .object(let m):
            return "{" + ws + m.map { Self.quote($0.0, &rng, fancy: fancy) + ws + ":" + $0.1.text(&rng, fancy: fancy) }.joined(separator: ws + ",") + "}"
        }
    }

    static func quote(_ s: String, _ rng: inout SplitMix64, fancy: Bool) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "/" where fancy && Bool.random(using: &rng): out += "\\/"
            case _ where u.value < 0x20: out += String(format: "\\u%04X", u.value)
            case _ where fancy && u.value > 0x7F && Bool.random(using: &rng):
                out += String(u).utf16.map { String(format: "\\u%04x", $0) }.joined()
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// Variants of a valid payload: a few values replaced (awkward strings, timestamps in every
/// accepted form and some refused ones, numbers of every size and spelling, nulls, other kinds),
/// keys dropped, added, repeated or reordered, items dropped or repeated.
enum PayloadVariants {
    static let strings = ["", " ", "AAPL", "BRK.B", "x/y", "é", "日本", "🎉", "e\u{301}", "\u{2028}", "a\"b", "back\\slash",
                          "line\nbreak", "\u{1}", "\u{7f}", "tab\t", "cw-0123456789abcdef0123", "BUY", "SELL", "HOLD", "LIMIT", "daily"]
    static let timestamps = ["2024-01-03", "20240103", "2024-01-03T10:00:00Z", "2024-01-03T10:00:00.123Z", "2024-01-03T10:00:00+02:00",
                             "2024-01-03T10:00:00.5-0530", "2024-02-30", "2024-01-03T25:00:00Z", "yesterday", "1970-01-01T00:00:00.000Z"]

    static func number(_ rng: inout SplitMix64) -> String {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: return String(Int.random(in: 0...1000, using: &rng))
        case 1: return String(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 2: return "\(Int.random(in: 1...99_999, using: &rng)).\(Int.random(in: 0...99_999, using: &rng))"
        case 3: return ["1.0", "1e2", "1E2", "2.50", "-0", "0.0", "1e-3", "100.000"].randomElement(using: &rng)!
        case 4: return "\(Int.random(in: 1...9, using: &rng))e\(Int.random(in: -400...400, using: &rng))"
        case 5: return String(UInt64.random(in: 0...UInt64.max, using: &rng)) + String(Int.random(in: 0...99, using: &rng))
        case 6:
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            return d.isFinite ? "\(d)" : "1"
        case 7: return "-\(Int.random(in: 1...500, using: &rng)).\(Int.random(in: 0...9, using: &rng))"
        case 8: return (0..<Int.random(in: 1...40, using: &rng)).map { _ in String(Int.random(in: 1...9, using: &rng)) }.joined()
        case 9: return "0.\(String(repeating: "0", count: Int.random(in: 0...30, using: &rng)))\(Int.random(in: 1...999, using: &rng))"
        case 10: return String(Double(Int.random(in: 0...100_000, using: &rng)) / 100)
        default: return String(Int.random(in: 1...70, using: &rng))
        }
    }

    static func mutate(_ v: TestJSON, _ rng: inout SplitMix64, rate: Int) -> TestJSON {
        func hit(_ rng: inout SplitMix64) -> Bool { Int.random(in: 0..<rate, using: &rng) == 0 }
        if hit(&rng) && Int.random(in: 0..<6, using: &rng) == 0 {
            return [.null, .bool(true), .number("1"), .string("x"), .array([]), .object([])].randomElement(using: &rng)!
        }
        switch v {
        case .null, .bool: return hit(&rng) ? .bool(Bool.random(using: &rng)) : v
        case .number: return hit(&rng) ? .number(number(&rng)) : v
        case .string(let s):
            guard hit(&rng) else { return v }
            if UTCTimestamp.parse(s) != nil || Bool.random(using: &rng) { return .string(timestamps.randomElement(using: &rng)!) }
            return .string((0..<Int.random(in: 1...3, using: &rng)).map { _ in strings.randomElement(using: &rng)! }.joined())
        case .array(var items):
            items = items.map { mutate($0, &rng, rate: rate) }
            if hit(&rng), !items.isEmpty { items.remove(at: Int.random(in: 0..<items.count, using: &rng)) }
            if hit(&rng), let x = items.randomElement(using: &rng) { items.append(x) }
            return .array(items)
        case .object(var members):
            members = members.map { ($0.0, mutate($0.1, &rng, rate: rate)) }
            if hit(&rng), !members.isEmpty { members.remove(at: Int.random(in: 0..<members.count, using: &rng)) }
            if hit(&rng) { members.append(("unknown_\(Int.random(in: 0...3, using: &rng))", .number("1"))) }
            if hit(&rng), hit(&rng), let m = members.randomElement(using: &rng) { members.append((m.0, mutate(m.1, &rng, rate: 2))) }
            if Bool.random(using: &rng) { members.shuffle(using: &rng) }
            return .object(members)
        }
    }
}
