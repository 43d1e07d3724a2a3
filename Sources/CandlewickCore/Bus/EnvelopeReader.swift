import Foundation

/// Reads an envelope's header fields by hand and finds the payload's bytes, so only the payload
/// goes through `JSONDecoder`.
///
/// It is a fast path, never a second opinion: it accepts only the plain form writers produce
/// (each header key once, no unknown keys, no escapes in header strings or keys, integers as plain
/// digits, strict JSON punctuation) and returns nil for anything else, and the caller then decodes
/// with `JSONDecoder` as before. So what the full decoder refuses is still refused with the same
/// reason and detail, and what this accepts is exactly what the full decoder would have produced
/// (the header goes through `EnvelopeHeader.init`'s rules either way). The payload's own syntax is
/// checked by the `JSONDecoder` that decodes the returned range.
public enum EnvelopeReader {
    /// The header of the envelope JSON `data` and the byte range of its `payload` value (indices
    /// of `data`), or nil when the fast path does not apply.
    public static func read(_ data: Data) -> (header: EnvelopeHeader, payload: Range<Data.Index>)? {
        data.withUnsafeBytes { raw -> (EnvelopeHeader, Range<Data.Index>)? in
            var s = JSONScanner(raw)
            guard let (header, range) = s.envelope() else { return nil }
            return (header, (data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound))
        }
    }
}

/// A strict, forward-only reader over JSON bytes for the envelope's fixed shape. Every method
/// returns nil (or false) as soon as the input leaves that shape.
struct JSONScanner {
    private let b: UnsafeRawBufferPointer
    private var i = 0

    init(_ bytes: UnsafeRawBufferPointer) { b = bytes }

    private enum Key: UInt16 {
        case v = 1, id = 2, type = 4, source = 8, seq = 16, ts = 32, runId = 64, causationId = 128,
             attachments = 256, payload = 512, expires = 1024
    }

    mutating func envelope() -> (EnvelopeHeader, Range<Int>)? {
        var seen: UInt16 = 0
        var v: Int?, id: String?, type: String?, source: String?, seq: UInt64?, ts: Date?
        var runId: String?, causationId: String?, expires: Date?, payload: Range<Int>?
        var attachments: [AttachmentInfo] = []
        guard expect(0x7B) else { return nil }
        repeat {
            guard let key = keyThenColon().flatMap(Self.topKey), seen & key.rawValue == 0 else { return nil }
            seen |= key.rawValue
            switch key {
            case .v: guard let n = int() else { return nil }; v = n
            case .id: guard let t = string() else { return nil }; id = t
            case .type: guard let t = string() else { return nil }; type = t
            case .source: guard let t = string() else { return nil }; source = t
            case .seq: guard let n = unsigned() else { return nil }; seq = n
            case .ts: guard let d = date() else { return nil }; ts = d
            case .runId: guard let t = stringOrNull() else { return nil }; runId = t
            case .causationId: guard let t = stringOrNull() else { return nil }; causationId = t
            case .expires: guard let d = dateOrNull() else { return nil }; expires = d
            case .attachments: guard let a = attachmentList() else { return nil }; attachments = a
            case .payload: guard let r = object() else { return nil }; payload = r
            }
        } while comma()
        guard expect(0x7D), atEnd(), let v, let id, let type, let source, let seq, let ts, let payload else { return nil }
        guard let header = try? EnvelopeHeader(v: v, id: id, type: type, source: source, seq: seq, ts: ts, runId: runId,
                                               causationId: causationId, attachments: attachments, expires: expires) else { return nil }
        return (header, payload)
    }

    private static func topKey(_ k: UnsafeRawBufferPointer) -> Key? {
        switch k.count {
        case 1: return k[0] == 0x76 ? .v : nil
        case 2: return equal(k, "id") ? .id : equal(k, "ts") ? .ts : nil
        case 3: return equal(k, "seq") ? .seq : nil
        case 4: return equal(k, "type") ? .type : nil
        case 6: return equal(k, "source") ? .source : equal(k, "run_id") ? .runId : nil
        case 7: return equal(k, "payload") ? .payload : equal(k, "expires") ? .expires : nil
        case 11: return equal(k, "attachments") ? .attachments : nil
        case 12: return equal(k, "causation_id") ? .causationId : nil
        default: return nil
        }
    }

    private static func equal(_ k: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        s.withUTF8Buffer { $0.count == k.count && memcmp($0.baseAddress!, k.baseAddress!, k.count) == 0 }
    }

    /// `[]`, `null` (decoded as no attachments, as `decodeIfPresent` does) or a list of
    /// `{content_type, index, name, sha256, size}` objects in any key order.
    private mutating func attachmentList() -> [AttachmentInfo]? {
        if literal("null") { return [] }
        guard expect(0x5B) else { return nil }
        var list: [AttachmentInfo] = []
        if expect(0x5D) { return list }
        repeat {
            guard let a = attachment() else { return nil }
            list.append(a)
        } while comma()
        return expect(0x5D) ? list : nil
    }

    private mutating func attachment() -> AttachmentInfo? {
        guard expect(0x7B) else { return nil }
        var index: Int?, name: String?, contentType: String?, size: Int?, sha: String?
        repeat {
            guard let k = keyThenColon() else { return nil }
            if Self.equal(k, "index"), index == nil { index = int() ; if index == nil { return nil } }
            else if Self.equal(k, "name"), name == nil { name = string(); if name == nil { return nil } }
            else if Self.equal(k, "content_type"), contentType == nil { contentType = string(); if contentType == nil { return nil } }
            else if Self.equal(k, "size"), size == nil { size = int(); if size == nil { return nil } }
            else if Self.equal(k, "sha256"), sha == nil { sha = string(); if sha == nil { return nil } }
            else { return nil }
        } while comma()
        guard expect(0x7D), let index, let name, let contentType, let size, let sha else { return nil }
        return AttachmentInfo(index: index, name: name, contentType: contentType, size: size, sha256: sha)
    }

    // MARK: tokens

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// Skips white space, then consumes `c` if it is next.
    private mutating func expect(_ c: UInt8) -> Bool {
        skipSpace()
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    private mutating func comma() -> Bool { expect(0x2C) }

    private mutating func atEnd() -> Bool {
        skipSpace()
        return i == b.count
    }

    private mutating func literal(_ s: StaticString) -> Bool {
        skipSpace()
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count, s.withUTF8Buffer({ memcmp($0.baseAddress!, b.baseAddress! + i, n) == 0 }) else { return false }
        i += n
        return true
    }

    /// A key's raw bytes (no escapes) and the colon after it.
    private mutating func keyThenColon() -> UnsafeRawBufferPointer? {
        guard let r = plainString(), expect(0x3A) else { return nil }
        return UnsafeRawBufferPointer(rebasing: b[r])
    }

    /// The bytes between the quotes of a string without escapes or control characters.
    private mutating func plainString() -> Range<Int>? {
        guard expect(0x22) else { return nil }
        let start = i
        // The first quote, backslash or control character, eight bytes at a time.
        i = JSONBytes.plainRun(b.assumingMemoryBound(to: UInt8.self), from: start)
        guard i < b.count, b[i] == 0x22 else { return nil }
        i += 1
        return start..<(i - 1)
    }

    private mutating func string() -> String? {
        guard let r = plainString() else { return nil }
        return UTF8Text.string(UnsafeRawBufferPointer(rebasing: b[r]))
    }

    private mutating func stringOrNull() -> String?? {
        if literal("null") { return .some(nil) }
        return string().map { .some($0) }
    }

    private mutating func date() -> Date? {
        guard let r = plainString() else { return nil }
        return UTCTimestamp.parse(utf8: UnsafeRawBufferPointer(rebasing: b[r]).assumingMemoryBound(to: UInt8.self))
    }

    private mutating func dateOrNull() -> Date?? {
        if literal("null") { return .some(nil) }
        return date().map { .some($0) }
    }

    /// Plain digits: no sign, no leading zero, no fraction or exponent, no overflow.
    private mutating func unsigned() -> UInt64? {
        skipSpace()
        let start = i
        var v: UInt64 = 0
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b[i] - 0x30))
            guard !o1, !o2 else { return nil }
            v = a
            i += 1
        }
        let n = i - start
        guard n > 0, n == 1 || b[start] != 0x30 else { return nil }
        if i < b.count, b[i] == 0x2E || b[i] == 0x65 || b[i] == 0x45 { return nil }
        return v
    }

    private mutating func int() -> Int? {
        skipSpace()
        let negative = i < b.count && b[i] == 0x2D
        if negative { i += 1 }
        guard let m = unsigned(), m <= UInt64(Int.max), !(negative && m == 0) else { return nil }
        return negative ? -Int(m) : Int(m)
    }

    /// The index of the quote that closes the string starting at `from` (just after its opening
    /// quote), found with `memchr` (payload strings such as a probe's body are long), or nil.
    private func stringEnd(from: Int) -> Int? {
        var at = from
        while at < b.count {
            let base = b.baseAddress! + at
            let n = b.count - at
            guard let q = memchr(base, 0x22, n) else { return nil }
            let quote = at + base.distance(to: UnsafeRawPointer(q))
            // A backslash before the quote: step over the escapes one by one up to it.
            guard memchr(base, 0x5C, quote - at) != nil else { return quote }
            var k = at
            while k < quote, b[k] != 0x5C { k += 1 }
            // b[k] is a backslash: it escapes b[k + 1], which may be the quote itself.
            at = k + 2
        }
        return nil
    }

    /// The range of an object value (from `{` to its matching `}`), skipped without decoding:
    /// strings are stepped over escape by escape, brackets counted. Its syntax is the payload
    /// decoder's to check.
    private mutating func object() -> Range<Int>? {
        skipSpace()
        guard i < b.count, b[i] == 0x7B else { return nil }
        let start = i
        var depth = 0
        while i < b.count {
            switch b[i] {
            case 0x22:
                guard let end = stringEnd(from: i + 1) else { return nil }
                i = end
            case 0x7B, 0x5B:
                depth += 1
                // Deep nesting is left to the full decoder and its own depth limit.
                if depth > 64 { return nil }
            case 0x7D, 0x5D:
                depth -= 1
                if depth == 0 {
                    i += 1
                    return start..<i
                }
            default: break
            }
            i += 1
        }
        return nil
    }
}
