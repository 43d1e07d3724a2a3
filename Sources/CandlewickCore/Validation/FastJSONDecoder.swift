import Foundation

/// A `Decoder` over `FastJSONParser`'s tree that decodes what `CandlewickJSON.decoder()` decodes,
/// to the same values, or gives up. Giving up is always safe: `CandlewickJSON.decodeFast` then
/// asks `JSONDecoder`, so refusals and their messages are Foundation's own.
///
/// It must never accept what `JSONDecoder` refuses, nor read a value differently, so it is exact
/// where it answers and otherwise bails out (marks the whole decode as unusable, even when a
/// model's `try?` swallows the error): numbers that `JSONDecoder` reads leniently (`1.0` or
/// `1e2` as an `Int`), decimals with many digits or large exponents, `Float`, `Data`, `URL`,
/// super decoders. Type mismatches, missing keys and nulls are reported as `DecodingError`s of
/// the same kind `JSONDecoder` throws, so a model that tries one type after another
/// (`JSONValue`) takes the same branch.
enum FastJSONDecoder {
    /// `T` decoded from `bytes`, or nil when `JSONDecoder` must decide (including every refusal).
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) -> T? {
        guard let root = FastJSONParser.parse(bytes) else { return nil }
        let ctx = FastDecodingContext(bytes: bytes)
        guard let value = try? ctx.unbox(root, as: T.self, path: nil), !ctx.bailed else { return nil }
        return value
    }
}

/// State shared by one decode: the input (numbers are read from it) and whether it bailed out.
final class FastDecodingContext {
    let bytes: [UInt8]
    var bailed = false

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Marks the decode unusable and returns an error to throw.
    func bail() -> any Error {
        bailed = true
        return FastJSONUnsupported()
    }

    func mismatch(_ type: Any.Type, _ node: FastJSONNode, _ path: FastCodingPath?) -> DecodingError {
        .typeMismatch(type, .init(codingPath: FastCodingPath.keys(path),
                                  debugDescription: "Expected to decode \(type) but found \(node.kind) instead."))
    }

    func unbox<T: Decodable>(_ node: FastJSONNode, as type: T.Type, path: FastCodingPath?) throws -> T {
        if T.self == String.self { return try string(node, path) as! T }
        if T.self == Int.self { return try integer(node, Int.self, path) as! T }
        if T.self == Double.self { return try double(node, path) as! T }
        if T.self == Bool.self { return try bool(node, path) as! T }
        if T.self == Date.self { return try date(node, path) as! T }
        if T.self == Decimal.self { return try decimal(node, path) as! T }
        if T.self == Data.self || T.self == URL.self || T.self == Float.self { throw bail() }
        if case .null = node, !(T.self is any ExpressibleByNilLiteral.Type) {
            // A null for a model: what happens depends on the model's init and Foundation's
            // containers; let Foundation decide.
            throw bail()
        }
        return try T(from: FastDecoderImpl(ctx: self, node: node, path: path))
    }

    func string(_ node: FastJSONNode, _ path: @autoclosure () -> FastCodingPath?) throws -> String {
        guard case .string(let s) = node else { throw nullOrMismatch(String.self, node, path()) }
        return s
    }

    func bool(_ node: FastJSONNode, _ path: @autoclosure () -> FastCodingPath?) throws -> Bool {
        guard case .bool(let b) = node else { throw nullOrMismatch(Bool.self, node, path()) }
        return b
    }

    func nullOrMismatch(_ type: Any.Type, _ node: FastJSONNode, _ path: FastCodingPath?) -> DecodingError {
        if case .null = node {
            return .valueNotFound(type, .init(codingPath: FastCodingPath.keys(path), debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        return mismatch(type, node, path)
    }

    /// A plain integer literal (`-?(0|[1-9][0-9]*)`) that fits `I`; any other number bails out.
    func integer<I: FixedWidthInteger>(_ node: FastJSONNode, _ type: I.Type, _ path: @autoclosure () -> FastCodingPath?) throws -> I {
        guard case .number(let r) = node else { throw nullOrMismatch(I.self, node, path()) }
        var k = r.lowerBound
        let negative = bytes[k] == 0x2D
        if negative {
            guard I.isSigned else { throw bail() }
            k += 1
        }
        var magnitude: UInt64 = 0
        while k < r.upperBound {
            let b = bytes[k]
            guard b >= 0x30, b <= 0x39 else { throw bail() }
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(b - 0x30))
            guard !o1, !o2 else { throw bail() }
            magnitude = m2
            k += 1
        }
        if negative {
            guard magnitude <= UInt64(I.max) + 1 else { throw bail() }
            return magnitude == UInt64(I.max) + 1 ? I.min : 0 - I(magnitude)
        }
        guard let v = I(exactly: magnitude) else { throw bail() }
        return v
    }

    func double(_ node: FastJSONNode, _ path: @autoclosure () -> FastCodingPath?) throws -> Double {
        guard case .number(let r) = node else { throw nullOrMismatch(Double.self, node, path()) }
        // JSONDecoder refuses what overflows or underflows (strtod's range error); normal numbers
        // and exact zeros are read alike.
        guard let d = Double(String(decoding: bytes[r], as: UTF8.self)), d.isFinite, d.isNormal || isZeroLiteral(r) else { throw bail() }
        return d
    }

    /// Whether the number's digits before any exponent are all zeros.
    func isZeroLiteral(_ r: Range<Int>) -> Bool {
        for k in r {
            switch bytes[k] {
            case 0x31...0x39: return false
            case 0x65, 0x45: return true
            default: continue
            }
        }
        return true
    }

    func date(_ node: FastJSONNode, _ path: @autoclosure () -> FastCodingPath?) throws -> Date {
        // CandlewickJSON.decoder()'s strategy: a string that UTCTimestamp.parse reads.
        let text = try string(node, path())
        guard let d = UTCTimestamp.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: FastCodingPath.keys(path()), debugDescription: "not an ISO-8601 timestamp: \(text)"))
        }
        return d
    }

    /// Decimals of at most 64 characters with at most 38 significant digits and an exponent of
    /// at most two digits: exactly the value `JSONDecoder` reads (checked on generated numbers by
    /// the tests); anything else bails out.
    func decimal(_ node: FastJSONNode, _ path: @autoclosure () -> FastCodingPath?) throws -> Decimal {
        guard case .number(let r) = node else { throw nullOrMismatch(Decimal.self, node, path()) }
        var significant = 0, exponentDigits = 0, inExponent = false
        for k in r {
            switch bytes[k] {
            case 0x30: if inExponent { exponentDigits += 1 } else if significant > 0 { significant += 1 }
            case 0x31...0x39: if inExponent { exponentDigits += 1 } else { significant += 1 }
            case 0x65, 0x45: inExponent = true
            default: break
            }
        }
        guard r.count <= 64, significant <= 38, exponentDigits <= 2,
              let d = Decimal(string: String(decoding: bytes[r], as: UTF8.self)), !d.isNaN else { throw bail() }
        return d
    }
}

/// The `Decoder` handed to a model's `init(from:)`.
struct FastDecoderImpl: Decoder {
    let ctx: FastDecodingContext
    let node: FastJSONNode
    let path: FastCodingPath?

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node else { throw ctx.nullOrMismatch([String: Any].self, node, path) }
        return KeyedDecodingContainer(FastKeyedDecoder<Key>(ctx: ctx, members: members, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = node else { throw ctx.nullOrMismatch([Any].self, node, path) }
        return FastUnkeyedDecoder(ctx: ctx, items: items, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { FastSingleValueDecoder(decoder: self) }
}

struct FastKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let ctx: FastDecodingContext
    let members: [FastJSONMember]
    let path: FastCodingPath?

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }
    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    private func find(_ key: Key) -> FastJSONNode? {
        let name = key.stringValue
        for m in members where m.key == name { return m.value }
        return nil
    }

    private func node(_ key: Key) throws -> FastJSONNode {
        guard let n = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return n
    }

    /// The path of `key`'s value. The primitive decodes take it as an autoclosure and build it only
    /// for an error, not for every value.
    private func sub(_ key: Key) -> FastCodingPath { FastCodingPath(parent: path, key: key) }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try node(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ctx.bool(node(key), sub(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ctx.string(node(key), sub(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ctx.double(node(key), sub(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw ctx.bail() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try ctx.integer(node(key), type, sub(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try ctx.integer(node(key), type, sub(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try ctx.unbox(node(key), as: T.self, path: sub(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try FastDecoderImpl(ctx: ctx, node: node(key), path: sub(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try FastDecoderImpl(ctx: ctx, node: node(key), path: sub(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { throw ctx.bail() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw ctx.bail() }
}

struct FastUnkeyedDecoder: UnkeyedDecodingContainer {
    let ctx: FastDecodingContext
    let items: [FastJSONNode]
    let path: FastCodingPath?
    var currentIndex = 0

    init(ctx: FastDecodingContext, items: [FastJSONNode], path: FastCodingPath?) {
        self.ctx = ctx
        self.items = items
        self.path = path
    }

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next(_ type: Any.Type) throws -> (FastJSONNode, FastCodingPath) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], FastCodingPath(parent: path, key: FastIndexKey(currentIndex)))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any?.self, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end."))
        }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let (n, p) = try next(type); return try ctx.bool(n, p) }
    mutating func decode(_ type: String.Type) throws -> String { let (n, p) = try next(type); return try ctx.string(n, p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (n, p) = try next(type); return try ctx.double(n, p) }
    mutating func decode(_ type: Float.Type) throws -> Float { throw ctx.bail() }
    mutating func decode(_ type: Int.Type) throws -> Int { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let (n, p) = try next(type); return try ctx.integer(n, type, p) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (n, p) = try next(type)
        return try ctx.unbox(n, as: T.self, path: p)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (n, p) = try next([String: Any].self)
        return try FastDecoderImpl(ctx: ctx, node: n, path: p).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (n, p) = try next([Any].self)
        return try FastDecoderImpl(ctx: ctx, node: n, path: p).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { throw ctx.bail() }
}

struct FastSingleValueDecoder: SingleValueDecodingContainer {
    let decoder: FastDecoderImpl

    var codingPath: [any CodingKey] { decoder.codingPath }
    private var ctx: FastDecodingContext { decoder.ctx }
    private var node: FastJSONNode { decoder.node }
    private var path: FastCodingPath? { decoder.path }

    func decodeNil() -> Bool {
        if case .null = node { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try ctx.bool(node, path) }
    func decode(_ type: String.Type) throws -> String { try ctx.string(node, path) }
    func decode(_ type: Double.Type) throws -> Double { try ctx.double(node, path) }
    func decode(_ type: Float.Type) throws -> Float { throw ctx.bail() }
    func decode(_ type: Int.Type) throws -> Int { try ctx.integer(node, type, path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ctx.integer(node, type, path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ctx.integer(node, type, path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ctx.integer(node, type, path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try ctx.integer(node, type, path) }
    func decode(_ type: UInt.Type) throws -> UInt { try ctx.integer(node, type, path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ctx.integer(node, type, path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ctx.integer(node, type, path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ctx.integer(node, type, path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ctx.integer(node, type, path) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ctx.unbox(node, as: T.self, path: path)
    }
}
