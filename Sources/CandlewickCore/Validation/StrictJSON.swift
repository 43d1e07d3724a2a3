import Foundation

/// A strict JSON reader for untrusted text (model answers, provider envelopes). Unlike
/// `JSONSerialization` and `JSONDecoder` it refuses what a lenient reader silently resolves:
/// a duplicate key at any depth (a lenient reader keeps the last one), a number that is not
/// finite or not representable as a Double, content after the value, nesting deeper than
/// `maxDepth`, input larger than `maxBytes`, invalid UTF-8, raw control characters and lone
/// surrogate escapes in strings, and a byte-order mark. Every value keeps the byte range it came
/// from, so a caller can keep the exact bytes of a nested value for audit.
public struct StrictJSON: Sendable {
    /// Largest accepted input in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of arrays and objects (the top-level object is depth 1).
    public var maxDepth: Int

    public init(maxBytes: Int = 8192, maxDepth: Int = 8) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    /// Why input was refused, with the byte offset.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            case tooLarge = "too_large"
            case tooDeep = "too_deep"
            case duplicateKey = "duplicate_key"
            case numberRange = "number_range"
            case trailingContent = "trailing_content"
            case syntax
        }

        public let kind: Kind
        public let offset: Int
        public let message: String
        public var description: String { "\(message) (byte \(offset))" }
    }

    /// A parsed value and the bytes it came from.
    public struct Node: Sendable, Hashable {
        public indirect enum Value: Sendable, Hashable {
            case null
            case bool(Bool)
            case number(Double)
            case string(String)
            case array([Node])
            /// Members in the order they appeared (keys are unique).
            case object([Member])
        }

        public struct Member: Sendable, Hashable {
            public let key: String
            public let node: Node
        }

        public let value: Value
        /// Byte range of the value in the input.
        public let span: Range<Int>

        /// The member `key` of an object, or nil.
        public subscript(key: String) -> Node? {
            guard case .object(let members) = value else { return nil }
            return members.first { $0.key == key }?.node
        }

        public var string: String? { if case .string(let s) = value { s } else { nil } }
        public var number: Double? { if case .number(let n) = value { n } else { nil } }
        public var array: [Node]? { if case .array(let a) = value { a } else { nil } }
        public var isNull: Bool { value == .null }

        /// The same value as a `JSONValue` (for code written against it).
        public var jsonValue: JSONValue {
            switch value {
            case .null: .null
            case .bool(let b): .bool(b)
            case .number(let n): .number(n)
            case .string(let s): .string(s)
            case .array(let a): .array(a.map(\.jsonValue))
            case .object(let m): .object(Dictionary(uniqueKeysWithValues: m.map { ($0.key, $0.node.jsonValue) }))
            }
        }
    }

    /// Parses exactly one JSON value surrounded by optional white space.
    public func parse(_ data: Data) throws(Failure) -> Node {
        guard data.count <= maxBytes else {
            throw Failure(kind: .tooLarge, offset: maxBytes, message: "input is \(data.count) bytes; the limit is \(maxBytes)")
        }
        var p = Parser(bytes: [UInt8](data), maxDepth: maxDepth)
        if p.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw p.fail(.syntax, "byte-order mark before the value") }
        p.skipSpace()
        let node = try p.value(depth: 0)
        p.skipSpace()
        if p.i < p.bytes.count { throw p.fail(.trailingContent, "content after the JSON value") }
        return node
    }

    /// Parses a string's UTF-8 bytes.
    public func parse(_ text: String) throws(Failure) -> Node { try parse(Data(text.utf8)) }

    private struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func fail(_ kind: Failure.Kind, _ message: String) -> Failure { Failure(kind: kind, offset: i, message: message) }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value(depth: Int) throws(Failure) -> Node {
            guard i < bytes.count else { throw fail(.syntax, "unexpected end of input") }
            let start = i
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): let s = try string(); return Node(value: .string(s), span: start..<i)
            case UInt8(ascii: "t"): try literal("true"); return Node(value: .bool(true), span: start..<i)
            case UInt8(ascii: "f"): try literal("false"); return Node(value: .bool(false), span: start..<i)
            case UInt8(ascii: "n"): try literal("null"); return Node(value: .null, span: start..<i)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail(.syntax, "unexpected character '\(Self.show(bytes[i]))'")
            }
        }

        static func show(_ b: UInt8) -> String { b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : String(format: "\\x%02X", b) }

        mutating func literal(_ word: String) throws(Failure) {
            let w = Array(word.utf8)
            guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else { throw fail(.syntax, "invalid literal") }
            i += w.count
        }

        mutating func object(depth: Int) throws(Failure) -> Node {
            guard depth <= maxDepth else { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
            let start = i
            i += 1
            var members: [Node.Member] = []
            var seen = Set<String>()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return Node(value: .object([]), span: start..<i) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail(.syntax, "expected a quoted key") }
                let keyAt = i
                let key = try string()
                guard seen.insert(key).inserted else {
                    throw Failure(kind: .duplicateKey, offset: keyAt, message: "duplicate key \"\(key.prefix(40))\"")
                }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail(.syntax, "expected ':' after a key") }
                i += 1
                skipSpace()
                members.append(Node.Member(key: key, node: try value(depth: depth)))
                skipSpace()
                guard i < bytes.count else { throw fail(.syntax, "unterminated object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return Node(value: .object(members), span: start..<i) }
                throw fail(.syntax, "expected ',' or '}' in an object")
            }
        }

        mutating func array(depth: Int) throws(Failure) -> Node {
            guard depth <= maxDepth else { throw fail(.tooDeep, "nesting deeper than \(maxDepth)") }
            let start = i
            i += 1
            var items: [Node] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return Node(value: .array([]), span: start..<i) }
            while true {
                skipSpace()
                items.append(try value(depth: depth))
                skipSpace()
                guard i < bytes.count else { throw fail(.syntax, "unterminated array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return Node(value: .array(items), span: start..<i) }
                throw fail(.syntax, "expected ',' or ']' in an array")
            }
        }

        mutating func number() throws(Failure) -> Node {
            let start = i
            func digits() -> Int {
                let s = i
                while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
                return i - s
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count else { throw fail(.syntax, "truncated number") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                if i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { throw fail(.syntax, "leading zero in a number") }
            } else if digits() == 0 {
                throw fail(.syntax, "invalid number")
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail(.syntax, "digits expected after '.'") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail(.syntax, "digits expected in an exponent") }
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            guard text.count <= 40, let d = Double(text), d.isFinite else {
                throw Failure(kind: .numberRange, offset: start, message: "number \(text.prefix(24)) is out of range")
            }
            // A non-zero literal that reads as 0 underflowed: its value is not what was written.
            if d == 0, text.contains(where: { ("1"..."9").contains($0) }) {
                let mantissa = text.split(whereSeparator: { $0 == "e" || $0 == "E" })[0]
                if mantissa.contains(where: { ("1"..."9").contains($0) }) {
                    throw Failure(kind: .numberRange, offset: start, message: "number \(text.prefix(24)) underflows")
                }
            }
            return Node(value: .number(d), span: start..<i)
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard bytes.count - i >= 4 else { throw fail(.syntax, "truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
                default: throw fail(.syntax, "invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        mutating func string() throws(Failure) -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail(.syntax, "unterminated string") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b < 0x20 { throw fail(.syntax, "raw control character in a string") }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw fail(.syntax, "unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail(.syntax, "lone surrogate escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail(.syntax, "lone surrogate escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail(.syntax, "lone surrogate escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail(.syntax, "invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw fail(.syntax, "invalid escape '\\\(Self.show(e))'")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw fail(.syntax, "string is not valid UTF-8") }
            return s
        }
    }
}
