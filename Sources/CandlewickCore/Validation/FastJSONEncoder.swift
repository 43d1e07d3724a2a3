import Foundation

/// An `Encoder` that writes exactly the bytes `CandlewickJSON.encoder()` writes (sorted keys, no
/// escaped slashes, dates as `UTCTimestamp.format`, doubles and decimals as Foundation spells
/// them) without Foundation's per-value boxing. It covers what Candlewick's models use; anything
/// else (`Data`, `URL`, `Float`, super encoders, a value that encodes nothing, a key written twice,
/// a non-finite double) makes `encode` throw `FastJSONUnsupported`, and the caller falls back to
/// `JSONEncoder` (`CandlewickJSON.encodeFast`). Equality with `JSONEncoder` is checked by
/// `FastJSONCodecTests` on generated values of every bus payload type.
enum FastJSONEncoder {
    /// The JSON bytes of `value`, or `FastJSONUnsupported` when `JSONEncoder` must do it.
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out = JSONBytes(capacity: 512)
        try encode(value, into: &out)
        return out.bytes
    }

    /// Appends the JSON bytes of `value` to `out`; on a throw, `out` may hold part of them.
    static func encode<T: Encodable>(_ value: T, into out: inout JSONBytes) throws {
        let state = FastEncodingState()
        let root = try state.box(value, path: nil)
        guard !state.failed else { throw FastJSONUnsupported() }
        try FastJSONWriter.write(root, into: &out)
    }
}

/// The fast codec could not be sure to match Foundation for this value; use Foundation.
struct FastJSONUnsupported: Error {}

/// A value being encoded, before keys are sorted.
enum FastJSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(Decimal)
    case string(String)
    /// Written as `UTCTimestamp.format` spells it, without making the `String`.
    case date(Date)
    case object(FastJSONObject)
    case array(FastJSONArray)
}

/// An object's members in the order they were encoded (sorted when written).
final class FastJSONObject {
    var keys: [String] = []
    var values: [FastJSONValue] = []

    init() {
        // A model's keys fit: one allocation each instead of one per doubling.
        keys.reserveCapacity(8)
        values.reserveCapacity(8)
    }
}

/// An array's items.
final class FastJSONArray {
    var items: [FastJSONValue] = []
}

/// One link of a coding path (built only as deep as the value goes, read only on demand).
final class FastCodingPath {
    let parent: FastCodingPath?
    let key: any CodingKey

    init(parent: FastCodingPath?, key: any CodingKey) {
        self.parent = parent
        self.key = key
    }

    static func keys(_ node: FastCodingPath?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var n = node
        while let c = n {
            keys.append(c.key)
            n = c.parent
        }
        return keys.reversed()
    }
}

/// An index in an unkeyed container, as a coding key.
struct FastIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// Shared by the encoders of one `encode` call: set when something happened that the
/// non-throwing container methods cannot report (a second, different container for one value).
final class FastEncodingState {
    var failed = false

    /// `value` as a `FastJSONValue`, with Foundation's special cases for `Date` and `Decimal`.
    func box<T: Encodable>(_ value: T, path: FastCodingPath?) throws -> FastJSONValue {
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .int(Int64(value as! Int)) }
        if T.self == Double.self { return .double(value as! Double) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == Date.self { return .date(value as! Date) }
        if T.self == Decimal.self { return .decimal(value as! Decimal) }
        if T.self == Data.self || T.self == URL.self || T.self == Float.self {
            throw FastJSONUnsupported()
        }
        let encoder = FastEncoderImpl(state: self, path: path)
        try value.encode(to: encoder)
        guard let result = encoder.value else { throw FastJSONUnsupported() }
        return result
    }
}

/// The `Encoder` handed to a value's `encode(to:)`.
final class FastEncoderImpl: Encoder {
    let state: FastEncodingState
    let path: FastCodingPath?
    var value: FastJSONValue?

    init(state: FastEncodingState, path: FastCodingPath?) {
        self.state = state
        self.path = path
    }

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: FastJSONObject
        switch value {
        case .object(let o): object = o
        case nil:
            object = FastJSONObject()
            value = .object(object)
        default:
            state.failed = true
            object = FastJSONObject()
        }
        return KeyedEncodingContainer(FastKeyedEncoder<Key>(state: state, path: path, object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: FastJSONArray
        switch value {
        case .array(let a): array = a
        case nil:
            array = FastJSONArray()
            value = .array(array)
        default:
            state.failed = true
            array = FastJSONArray()
        }
        return FastUnkeyedEncoder(state: state, path: path, array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { FastSingleValueEncoder(encoder: self) }
}

struct FastKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: FastEncodingState
    let path: FastCodingPath?
    let object: FastJSONObject

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }

    private func put(_ v: FastJSONValue, _ key: Key) {
        object.keys.append(key.stringValue)
        object.values.append(v)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw FastJSONUnsupported() }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.uint(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try state.box(value, path: FastCodingPath(parent: path, key: key)), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = FastJSONObject()
        put(.object(nested), key)
        return KeyedEncodingContainer(FastKeyedEncoder<NestedKey>(state: state, path: FastCodingPath(parent: path, key: key), object: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = FastJSONArray()
        put(.array(nested), key)
        return FastUnkeyedEncoder(state: state, path: FastCodingPath(parent: path, key: key), array: nested)
    }

    mutating func superEncoder() -> any Encoder { unsupportedEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { unsupportedEncoder() }

    private func unsupportedEncoder() -> any Encoder {
        state.failed = true
        return FastEncoderImpl(state: state, path: path)
    }
}

struct FastUnkeyedEncoder: UnkeyedEncodingContainer {
    let state: FastEncodingState
    let path: FastCodingPath?
    let array: FastJSONArray

    var codingPath: [any CodingKey] { FastCodingPath.keys(path) }
    var count: Int { array.items.count }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: Bool) throws { array.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { array.items.append(.double(value)) }
    mutating func encode(_ value: Float) throws { throw FastJSONUnsupported() }
    mutating func encode(_ value: Int) throws { array.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { array.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { array.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { array.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { array.items.append(.int(value)) }
    mutating func encode(_ value: UInt) throws { array.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { array.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { array.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { array.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { array.items.append(.uint(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        array.items.append(try state.box(value, path: FastCodingPath(parent: path, key: FastIndexKey(array.items.count))))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = FastJSONObject()
        let p = FastCodingPath(parent: path, key: FastIndexKey(array.items.count))
        array.items.append(.object(nested))
        return KeyedEncodingContainer(FastKeyedEncoder<NestedKey>(state: state, path: p, object: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = FastJSONArray()
        let p = FastCodingPath(parent: path, key: FastIndexKey(array.items.count))
        array.items.append(.array(nested))
        return FastUnkeyedEncoder(state: state, path: p, array: nested)
    }

    mutating func superEncoder() -> any Encoder {
        state.failed = true
        return FastEncoderImpl(state: state, path: path)
    }
}

struct FastSingleValueEncoder: SingleValueEncodingContainer {
    let encoder: FastEncoderImpl

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ v: FastJSONValue) throws {
        // Foundation refuses a second value for one container (a precondition); so does this, by falling back.
        guard encoder.value == nil else { throw FastJSONUnsupported() }
        encoder.value = v
    }

    mutating func encodeNil() throws { try set(.null) }
    mutating func encode(_ value: Bool) throws { try set(.bool(value)) }
    mutating func encode(_ value: String) throws { try set(.string(value)) }
    mutating func encode(_ value: Double) throws { try set(.double(value)) }
    mutating func encode(_ value: Float) throws { throw FastJSONUnsupported() }
    mutating func encode(_ value: Int) throws { try set(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { try set(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { try set(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { try set(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { try set(.int(value)) }
    mutating func encode(_ value: UInt) throws { try set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { try set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { try set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { try set(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { try set(.uint(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try set(try encoder.state.box(value, path: encoder.path)) }
}

/// Writes a `FastJSONValue` as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` does.
enum FastJSONWriter {
    static func write(_ value: FastJSONValue, into out: inout JSONBytes) throws {
        switch value {
        case .null: out.raw("null")
        case .bool(let b): b ? out.raw("true") : out.raw("false")
        case .int(let i): out.int(i)
        case .uint(let u): out.uint(u)
        case .double(let d):
            // Foundation: the shortest round-trip spelling (`description`) without a trailing ".0".
            guard d.isFinite else { throw FastJSONUnsupported() }
            var text = d.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.ascii(text)
        case .decimal(let d):
            guard !d.isNaN else { throw FastJSONUnsupported() }
            out.ascii(d.description)
        case .string(let s): out.string(s)
        case .date(let d): out.timestamp(d)
        case .array(let a):
            out.byte(0x5B)
            for (i, item) in a.items.enumerated() {
                if i > 0 { out.byte(0x2C) }
                try write(item, into: &out)
            }
            out.byte(0x5D)
        case .object(let o):
            out.byte(0x7B)
            // A key written twice (for Foundation's dictionary: canonically equal) keeps one of the
            // values there; leave that to Foundation.
            if o.keys.contains(where: { !$0.utf8.allSatisfy { $0 < 0x80 } }) {
                guard Set(o.keys).count == o.keys.count else { throw FastJSONUnsupported() }
            }
            // Foundation sorts by UTF-8 bytes (not by String's `<`, which compares normalized scalars).
            // A model's few keys are sorted in place on the stack; a large dictionary by `sorted`.
            func precedes(_ a: Int, _ b: Int) -> Bool { o.keys[a].utf8.lexicographicallyPrecedes(o.keys[b].utf8) }
            let count = o.keys.count
            try withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { order in
                if count <= 24 {
                    for i in 0..<count {
                        var j = i
                        while j > 0 && precedes(i, order[j - 1]) {
                            order[j] = order[j - 1]
                            j -= 1
                        }
                        order[j] = i
                    }
                } else {
                    _ = order.initialize(from: o.keys.indices.sorted(by: precedes))
                }
                for n in 0..<count {
                    let i = order[n]
                    if n > 0 {
                        guard !o.keys[order[n - 1]].utf8.elementsEqual(o.keys[i].utf8) else { throw FastJSONUnsupported() }
                        out.byte(0x2C)
                    }
                    out.string(o.keys[i])
                    out.byte(0x3A)
                    try write(o.values[i], into: &out)
                }
            }
            out.byte(0x7D)
        }
    }
}

extension JSONBytes {
    /// Appends text known to be ASCII without escapes (numbers).
    mutating func ascii(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }
}
