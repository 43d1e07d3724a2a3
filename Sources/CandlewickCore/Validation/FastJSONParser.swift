/// A parsed JSON value for `FastJSONDecoder`. Numbers keep their text (a range of the input) so
/// each is read as the type asked for, as `JSONDecoder` reads them.
enum FastJSONNode {
    case null
    case bool(Bool)
    case number(Range<Int>)
    case string(String)
    case array([FastJSONNode])
    /// Members in input order; keys are unique (a duplicate makes the parse fail).
    case object([FastJSONMember])

    /// The kind, as `JSONDecoder`'s type-mismatch messages name it.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "dictionary"
        }
    }
}

/// One `"key": value` of an object.
struct FastJSONMember {
    let key: String
    let value: FastJSONNode
}

/// A strict RFC 8259 parser over bytes. It refuses (returns nil from `parse`) everything
/// `JSONDecoder` refuses and, to stay on the safe side, some things it accepts but resolves in its
/// own way: duplicate keys, a byte-order mark, nesting deeper than 128, lone surrogate escapes.
/// A refusal only means "let Foundation decide".
struct FastJSONParser {
    let bytes: [UInt8]
    var i = 0
    static let maxDepth = 128

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The one value in `bytes` (white space around it allowed), or nil.
    static func parse(_ bytes: [UInt8]) -> FastJSONNode? {
        var p = FastJSONParser(bytes: bytes)
        p.skipSpace()
        guard let v = p.value(depth: 0) else { return nil }
        p.skipSpace()
        return p.i == bytes.count ? v : nil
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) -> FastJSONNode? {
        guard i < bytes.count, depth < Self.maxDepth else { return nil }
        switch bytes[i] {
        case 0x7B: return object(depth: depth + 1)
        case 0x5B: return array(depth: depth + 1)
        case 0x22: return string().map { .string($0) }
        case 0x74: return literal("true", .bool(true))
        case 0x66: return literal("false", .bool(false))
        case 0x6E: return literal("null", .null)
        default: return number()
        }
    }

    mutating func literal(_ word: StaticString, _ node: FastJSONNode) -> FastJSONNode? {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { return nil }
        let matches = word.withUTF8Buffer { w in (0..<n).allSatisfy { bytes[i + $0] == w[$0] } }
        guard matches else { return nil }
        i += n
        return node
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    mutating func number() -> FastJSONNode? {
        let start = i
        if i < bytes.count, bytes[i] == 0x2D { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { return nil }
        if bytes[i] == 0x30 {
            i += 1
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == 0x2E {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { return nil }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { return nil }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        return .number(start..<i)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func array(depth: Int) -> FastJSONNode? {
        i += 1
        var items: [FastJSONNode] = []
        skipSpace()
        if i < bytes.count, bytes[i] == 0x5D {
            i += 1
            return .array(items)
        }
        while true {
            skipSpace()
            guard let v = value(depth: depth) else { return nil }
            items.append(v)
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == 0x2C {
                i += 1
            } else if bytes[i] == 0x5D {
                i += 1
                return .array(items)
            } else {
                return nil
            }
        }
    }

    mutating func object(depth: Int) -> FastJSONNode? {
        i += 1
        var members: [FastJSONMember] = []
        skipSpace()
        if i < bytes.count, bytes[i] == 0x7D {
            i += 1
            return .object(members)
        }
        // A model's members fit: one allocation instead of one per doubling.
        members.reserveCapacity(8)
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x22, let key = string() else { return nil }
            skipSpace()
            guard i < bytes.count, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            guard let v = value(depth: depth) else { return nil }
            members.append(FastJSONMember(key: key, value: v))
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == 0x2C {
                i += 1
            } else if bytes[i] == 0x7D {
                i += 1
                return hasDuplicateKeys(members) ? nil : .object(members)
            } else {
                return nil
            }
        }
    }

    func hasDuplicateKeys(_ members: [FastJSONMember]) -> Bool {
        if members.count > 16 {
            var seen = Set<String>(minimumCapacity: members.count)
            return !members.allSatisfy { seen.insert($0.key).inserted }
        }
        for a in members.indices {
            for b in members.indices where b > a && members[a].key == members[b].key { return true }
        }
        return false
    }

    /// A string at `i` (which is a quote); nil for invalid UTF-8, raw control characters, bad
    /// or lone-surrogate escapes, or a missing closing quote.
    mutating func string() -> String? {
        i += 1
        let start = i
        // Common case: no escapes.
        i = bytes.withUnsafeBufferPointer { JSONBytes.plainRun($0, from: start) }
        guard i < bytes.count else { return nil }
        if bytes[i] == 0x22 {
            let s = bytes.withUnsafeBufferPointer { UTF8Text.string(UnsafeBufferPointer(rebasing: $0[start..<i])) }
            i += 1
            return s
        }
        guard bytes[i] == 0x5C else { return nil }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 {
                i += 1
                return out.withUnsafeBufferPointer { UTF8Text.string($0) }
            }
            if c < 0x20 { return nil }
            guard c == 0x5C else {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { return nil }
            let e = bytes[i]
            i += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                guard var scalar = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { return nil }
                    i += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    return nil
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: UTF8.encode(u)!)
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let b = bytes[i + k]
            let d: UInt8
            switch b {
            case 0x30...0x39: d = b - 0x30
            case 0x41...0x46: d = b - 0x41 + 10
            case 0x61...0x66: d = b - 0x61 + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }
}
