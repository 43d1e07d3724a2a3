@testable import CandlewickBus
import CandlewickCore
import Foundation
import Testing

/// The hand-written envelope writer and reader (`EnvelopeWriter`, `EnvelopeReader`) against
/// Foundation's `JSONEncoder`/`JSONDecoder`, which they replace on the hot path: same bytes out,
/// same messages in, same refusals with the same reasons and details.
@Suite("Envelope fast codec")
struct EnvelopeCodecTests {
    @Test func writerMatchesJSONEncoderByteForByte() throws {
        var rng = SplitMix64(seed: 18)
        let encoder = CandlewickJSON.encoder()
        for i in 0..<3000 {
            let header = try RandomEnvelope.header(&rng, type: i % 3 == 0 ? "bus.probe" : RandomEnvelope.text(&rng, nonEmpty: true))
            let env = Envelope(header: header, payload: try RandomEnvelope.probe(&rng))
            let fast = try EnvelopeWriter.encode(env, payloadEncoder: encoder)
            let reference = try encoder.encode(env)
            #expect(fast == reference, "envelope \(i): \(String(decoding: fast, as: UTF8.self))")
            // And as parsed JSON, whatever the bytes.
            let a = try JSONSerialization.jsonObject(with: fast) as? NSDictionary
            let b = try JSONSerialization.jsonObject(with: reference) as? NSDictionary
            #expect(a != nil && a == b)
        }
    }

    @Test func writerMatchesForAHeartbeatPayload() throws {
        let hb = try Heartbeat(process: "tracker", instance: "tracker.1", pid: 42, host: "h\u{e9}\"st", startedAt: Date(timeIntervalSince1970: 1.5),
                               state: "running", intervalS: 5, counters: ["a/b": 1, "z\n": 2])
        let env = Envelope(header: try EnvelopeHeader(type: Heartbeat.messageType, source: "tracker.1", seq: 9, ts: Date()), payload: hb)
        #expect(try EnvelopeWriter.encode(env, payloadEncoder: CandlewickJSON.encoder()) == CandlewickJSON.encoder().encode(env))
    }

    @Test func readerAgreesWithJSONDecoderOnWrittenEnvelopes() throws {
        var rng = SplitMix64(seed: 7)
        let codec = FrameCodec()
        for _ in 0..<2000 {
            let (frames, header, payload) = try RandomEnvelope.frames(&rng)
            // The fast path takes what writers produce unless a header string needs an escape
            // (then the full decoder reads it).
            let plain = ([header.id, header.type, header.source, header.runId ?? "", header.causationId ?? ""]
                + header.attachments.flatMap { [$0.name, $0.contentType] }).allSatisfy { s in
                !s.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            }
            // Timestamps travel with milliseconds, so compare with what JSONDecoder reads back.
            let reference = try LegacyDecoder.decode(frames)
            #expect(reference.header.id == header.id && reference.header.source == header.source && reference.header.seq == header.seq)
            if let fast = EnvelopeReader.read(frames[1]) {
                #expect(fast.header == reference.header)
            } else {
                #expect(!plain, "the fast path must take what writers produce: \(String(decoding: frames[1], as: UTF8.self))")
            }
            let m = try codec.decode(frames)
            #expect(m.header == reference.header)
            #expect(m.payload(as: Probe.self) == payload)
            #expect(m.attachments == Array(frames.dropFirst(2)))
        }
    }

    /// Mutated and foreign-looking envelopes: the codec's answer (message or rejection reason and
    /// detail) is the one the JSONDecoder-only path gives.
    @Test func readerAcceptsAndRefusesExactlyWhatTheFullDecoderDoes() throws {
        var rng = SplitMix64(seed: 1818)
        let codec = FrameCodec()
        var fastHits = 0
        for i in 0..<20_000 {
            let (valid, _, _) = try RandomEnvelope.frames(&rng)
            var frames = valid
            frames[1] = Mutation.apply(i, to: valid[1], rng: &rng)
            if EnvelopeReader.read(frames[1]) != nil { fastHits += 1 }
            let got = Outcome(catching: { try codec.decode(frames) })
            let want = Outcome(catching: { try LegacyDecoder.decode(frames) })
            #expect(got == want, "mutation \(i % Mutation.kinds): \(String(decoding: frames[1].prefix(400), as: UTF8.self))")
        }
        #expect(fastHits > 1000, "the fast path should still take the harmless mutations")
    }

    @Test func existingRefusalsKeepTheirReasons() {
        let good = #"{"v":1,"id":"a","type":"bus.probe","source":"py","seq":1,"ts":"2024-01-01T00:00:00Z","payload":{"n":1,"body":"x"}}"#
        for bad in [good.replacingOccurrences(of: "\"seq\":1", with: "\"seq\":0"),
                    good.replacingOccurrences(of: "\"v\":1", with: "\"v\":2"),
                    good.replacingOccurrences(of: "\"id\":\"a\"", with: "\"id\":\"\""),
                    good.replacingOccurrences(of: "2024-01-01T00:00:00Z", with: "yesterday"),
                    good + "x", "[" + good + "]"] {
            let frames = [Data("bus.probe".utf8), Data(bad.utf8)]
            #expect(Outcome(catching: { try FrameCodec().decode(frames) }) == Outcome(catching: { try LegacyDecoder.decode(frames) }))
            guard case .refused = Outcome(catching: { try FrameCodec().decode(frames) }) else {
                Issue.record("accepted \(bad)")
                continue
            }
        }
    }
}

/// A decode's result in comparable form: the message's header and payload, or the rejection.
enum Outcome: Equatable {
    case accepted(EnvelopeHeader, [Data], String)
    case refused(RejectionReason, String)
    case other(String)

    init(catching body: () throws -> BusMessage) {
        do {
            let m = try body()
            self = .accepted(m.header, m.attachments, "\(m.payload)")
        } catch let r as BusRejection {
            self = .refused(r.reason, r.detail)
        } catch {
            self = .other("\(error)")
        }
    }
}

/// `FrameCodec.decode` as it was before the fast path: JSONDecoder for everything.
enum LegacyDecoder {
    static func decode(_ frames: [Data]) throws -> BusMessage {
        try FrameCodec().decode(frames, decoder: CandlewickJSON.decoder(), headerByHand: false)
    }
}

/// Random envelopes with awkward strings: quotes, backslashes, slashes, every control character,
/// non-ASCII letters, emoji, combining marks, U+2028/2029, a byte-order mark.
enum RandomEnvelope {
    static let pieces: [String] = ["a", "Z", "0", "-", ".", " ", "b", "c", "d", "1", "_", "x.y", "chart-worker.2",
                                   "\"", "\\", "/", "\u{7f}", "é", "日本", "🎉", "e\u{301}",
                                   "\u{2028}", "\u{2029}", "\u{feff}", "\\u0041", "null", "{", "}", "[", ",", ":"]
        + (0..<32).map { String(UnicodeScalar(UInt8($0))) }

    /// - Parameter plain: only pieces that need no escape in JSON (the usual ids and names).
    static func text(_ rng: inout SplitMix64, nonEmpty: Bool = false, max: Int = 12, plain: Bool = false) -> String {
        let n = Int.random(in: (nonEmpty ? 1 : 0)...max, using: &rng)
        let t = (0..<n).map { _ in (plain ? pieces[0..<13] : pieces[...]).randomElement(using: &rng)! }.joined()
        // Header fields must not be blank: keep the white space, add a letter.
        return nonEmpty && t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? t + "x" : t
    }

    static func date(_ rng: inout SplitMix64) -> Date {
        Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &rng)) / 1000)
    }

    static func header(_ rng: inout SplitMix64, type: String, attachments: [Int]? = nil) throws -> EnvelopeHeader {
        let plain = Bool.random(using: &rng)
        func text(_ rng: inout SplitMix64, nonEmpty: Bool = false) -> String { RandomEnvelope.text(&rng, nonEmpty: nonEmpty, plain: plain) }
        let sizes = attachments ?? (0..<Int.random(in: 0...3, using: &rng)).map { _ in Int.random(in: 0...5000, using: &rng) }
        let infos = sizes.enumerated().map { i, size in
            AttachmentInfo(index: i, name: text(&rng, nonEmpty: true), contentType: text(&rng), size: size,
                           sha256: String(repeating: "ab", count: 32))
        }
        return try EnvelopeHeader(id: Bool.random(using: &rng) ? UUID().uuidString.lowercased() : text(&rng, nonEmpty: true),
                                  type: type, source: text(&rng, nonEmpty: true),
                                  seq: Bool.random(using: &rng) ? UInt64.random(in: 1...1000, using: &rng) : UInt64.random(in: 1...UInt64.max, using: &rng),
                                  ts: date(&rng), runId: Bool.random(using: &rng) ? text(&rng) : nil,
                                  causationId: Bool.random(using: &rng) ? text(&rng) : nil, attachments: infos,
                                  expires: Bool.random(using: &rng) ? date(&rng) : nil)
    }

    static func probe(_ rng: inout SplitMix64) throws -> Probe {
        try Probe(n: Int.random(in: 0...Int.max, using: &rng), body: text(&rng, max: 40))
    }

    /// A valid `bus.probe` message's frames (attachments included) with its header and payload.
    static func frames(_ rng: inout SplitMix64) throws -> ([Data], EnvelopeHeader, Probe) {
        let sizes = (0..<Int.random(in: 0...2, using: &rng)).map { _ in Int.random(in: 0...300, using: &rng) }
        let header = try header(&rng, type: Probe.messageType, attachments: sizes)
        let payload = try probe(&rng)
        let frames = try FrameCodec().encode(Envelope(header: header, payload: payload), attachments: sizes.map { Data(count: $0) })
        return (frames, header, payload)
    }
}

/// Ways to bend an envelope: some harmless (white space, key order, escapes, unknown keys), most
/// not (truncation, flipped bytes, duplicated keys, wrong number forms, nulls, trailing bytes).
enum Mutation {
    static let kinds = 16

    static func apply(_ i: Int, to json: Data, rng: inout SplitMix64) -> Data {
        var s = String(decoding: json, as: UTF8.self)
        func replace(_ a: String, _ b: String) -> Data { Data(s.replacingOccurrences(of: a, with: b).utf8) }
        switch i % kinds {
        case 0: return json.prefix(Int.random(in: 0..<json.count, using: &rng))
        case 1:
            var j = json
            j[j.startIndex + Int.random(in: 0..<j.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            return j
        case 2:
            var j = json
            j.insert(contentsOf: [[0x20], [0x0A, 0x09], [0x0D], [0x0C], [0xA0]].randomElement(using: &rng)!,
                     at: j.startIndex + Int.random(in: 0...j.count, using: &rng))
            return j
        case 3:
            // Key order and spacing as another writer would choose them.
            guard let o = try? JSONSerialization.jsonObject(with: json),
                  let d = try? JSONSerialization.data(withJSONObject: o, options: Bool.random(using: &rng) ? [.prettyPrinted] : [])
            else { return json }
            return d
        case 4: return replace("{\"attachments\"", "{\"seq\":2,\"attachments\"")
        case 5: return replace("{\"attachments\"", "{\"extra\":{\"x\":[1,\"}\"]},\"attachments\"")
        case 6: return replace("\"v\":1", ["\"v\":1.0", "\"v\":01", "\"v\":-1", "\"v\":1e0", "\"v\":true", "\"v\":\"1\"", "\"v\":null"].randomElement(using: &rng)!)
        case 7:
            let seq = s.range(of: #""seq":[0-9]+"#, options: .regularExpression).map { String(s[$0]) } ?? "\"seq\":1"
            return replace(seq, ["\"seq\":0", "\"seq\":-0", "\"seq\":18446744073709551616", "\"seq\":1.5", "\"seq\":null", "\"seq\":\"1\""]
                .randomElement(using: &rng)!)
        case 8:
            let key = ["id", "type", "source", "ts", "run_id", "causation_id", "expires", "attachments", "payload"].randomElement(using: &rng)!
            if let r = s.range(of: "\"\(key)\":") { s.insert(contentsOf: "null,\"\(key)\":", at: r.upperBound) }
            return Data(s.utf8)  // `"key":null,"key":value`: a duplicate key
        case 9: return replace("\"source\":\"", "\"source\":\"\\u0041\\n")
        case 10: return replace("\"type\":\"bus.probe\"", "\"type\":\"bus\\/probe\"")
        case 11: return json + Data([" ", "x", "}", "\0", "\n"].randomElement(using: &rng)!.utf8)
        case 12: return Data([0xEF, 0xBB, 0xBF]) + json
        case 13: return replace("\"payload\":{", ["\"payload\":[{", "\"payload\":{\"n\":1,", "\"payload\":{\"x\":\"\\\"}\","].randomElement(using: &rng)!)
        case 14: return replace("\"attachments\":[", ["\"attachments\":null,\"a\":[", "\"attachments\":[null,", "\"attachments\":[{\"index\":0},"]
            .randomElement(using: &rng)!)
        default:
            // Invalid UTF-8 inside a header string.
            var j = json
            if let r = s.range(of: "\"source\":\"") {
                j.insert(contentsOf: [[0xC3], [0xFF], [0xED, 0xA0, 0x80]].randomElement(using: &rng)!, at: j.startIndex + s.utf8.distance(from: s.startIndex, to: r.upperBound))
            }
            return j
        }
    }
}

@Suite("Message ids")
struct MessageIDTests {
    @Test func idsAreLowerCaseVersion4UUIDsAndUnique() {
        var seen = Set<String>()
        for _ in 0..<50_000 {
            let id = MessageID.make()
            #expect(UUID(uuidString: id) != nil && id == id.lowercased() && id.count == 36)
            let chars = Array(id)
            #expect(chars[14] == "4" && "89ab".contains(chars[19]), "\(id)")
            seen.insert(id)
        }
        #expect(seen.count == 50_000)
    }
}
