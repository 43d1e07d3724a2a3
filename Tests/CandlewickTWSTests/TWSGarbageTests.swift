import CandlewickCore
import Foundation
import Testing
@testable import CandlewickTWS

enum Garbage {
    static let tokens = ["", "0", "-1", "1", "abc", "1.5", "1e308", "1.7976931348623157E308", "2147483647", "99999999999999999999999",
                         "nan", "\u{FFFD}", "BUY", "LMT", "STP LMT", "BAG", "PEG BENCH", "5000000", "-5000000"]

    /// Random fields behind a real message id (so the per-message decoders are exercised).
    static func fields(_ rng: inout SplitMix64, ids: [Int]) -> [String] {
        let id = ids.randomElement(using: &rng)!
        let n = Int.random(in: 0...140, using: &rng)
        return [String(id)] + (0..<n).map { _ in
            Bool.random(using: &rng) ? tokens.randomElement(using: &rng)! : String(Int.random(in: -3...200, using: &rng))
        }
    }

    static func bytes(_ rng: inout SplitMix64, count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }
}

@Suite struct TWSGarbageTests {
    static let requestIds = [3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 20, 25, 49, 58, 59, 61, 62, 63, 64, 71, 99, 1, 2, 1000]
    static let eventIds: [Int] = [3, 4, 5, 9, 10, 11, 15, 17, 49, 52, 53, 54, 55, 59, 61, 62, 63, 64, 101, 102, 7, 200]

    @Test func tenThousandGarbageMessagesNeverCrashTheDecoders() {
        var rng = SplitMix64(seed: 178)
        var thrown = 0
        for _ in 0..<10_000 {
            do { _ = try TWSRequest.decode(Garbage.fields(&rng, ids: Self.requestIds)) } catch { thrown += 1 }
            do { _ = try TWSEvent.decode(Garbage.fields(&rng, ids: Self.eventIds)) } catch { thrown += 1 }
        }
        #expect(thrown > 5_000)  // most garbage is refused with an error (short messages accept extra fields); none crashes
    }

    /// What a frame buffer yields: a message's fields, or the error that ends the stream.
    enum Framed: Equatable {
        case fields([String])
        case badLength(Int)
        case unterminated(Int)
    }

    /// The framing rules written out a second time, independently of `TWSFrameBuffer`: the outcomes
    /// of a whole stream (stopping at the first error) and the bytes left waiting for more.
    static func referenceFraming(_ bytes: [UInt8], maxLength: Int) -> (outcomes: [Framed], pending: Int?) {
        var i = 0, out: [Framed] = []
        while bytes.count - i >= 4 {
            let n = bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) }
            if n == 0 || n > maxLength { return (out + [.badLength(n)], nil) }
            guard bytes.count - i - 4 >= n else { break }
            let payload = bytes[(i + 4)..<(i + 4 + n)]
            i += 4 + n
            guard payload.last == 0 else { return (out + [.unterminated(n)], nil) }
            out.append(.fields(payload.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }))
        }
        return (out, bytes.count - i)
    }

    /// A stream of frames as a broken or hostile peer might send them: valid messages, random
    /// payloads behind a correct length, zero or oversized lengths, cut frames and raw noise.
    static func hostileStream(_ rng: inout SplitMix64, maxLength: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: out += Garbage.bytes(&rng, count: Int.random(in: 0...12, using: &rng))
            case 1, 2: out += try TWSFraming.frame(Garbage.fields(&rng, ids: eventIds).prefix(Int.random(in: 1...8, using: &rng)).map { $0 })
            case 3: out += TWSFraming.framePayload(Data(Garbage.bytes(&rng, count: Int.random(in: 1...40, using: &rng))))
            case 4: out += [0, 0, 0, 0] + (Bool.random(using: &rng) ? [] : withUnsafeBytes(of: UInt32(maxLength + 1).bigEndian, Array.init))
            default:
                let frame = try TWSFraming.frame(Garbage.fields(&rng, ids: eventIds).prefix(6).map { $0 })
                out += frame.prefix(Int.random(in: 0..<frame.count, using: &rng))
            }
        }
        return out
    }

    @Test func tenThousandRandomByteStreamsNeverCrashFraming() throws {
        var rng = SplitMix64(seed: 7)
        let maxLength = 4096
        var seen: [String: Int] = [:]
        for _ in 0..<10_000 {
            let stream = try Self.hostileStream(&rng, maxLength: maxLength)
            let expected = Self.referenceFraming(stream, maxLength: maxLength)
            // Fed in random chunks (reads split anywhere, including inside the length prefix).
            var buffer = TWSFrameBuffer(maxLength: maxLength)
            var got: [Framed] = [], failed = false, rest = stream[...]
            feeding: while !rest.isEmpty {
                let k = Int.random(in: 1...max(1, min(rest.count, 24)), using: &rng)
                buffer.append(rest.prefix(k))
                rest = rest.dropFirst(k)
                do {
                    while let fields = try buffer.nextFields() { got.append(.fields(fields)) }
                } catch TWSProtocolError.badLength(let n, _) {
                    got.append(.badLength(n)); failed = true; break feeding
                } catch TWSProtocolError.unterminatedPayload(let n) {
                    got.append(.unterminated(n)); failed = true; break feeding
                }
            }
            #expect(got == expected.outcomes, "stream \(stream)")
            if !failed { #expect(buffer.pendingBytes == expected.pending, "stream \(stream)") }
            for o in got {
                switch o {
                case .fields: seen["fields", default: 0] += 1
                case .badLength: seen["badLength", default: 0] += 1
                case .unterminated: seen["unterminated", default: 0] += 1
                }
            }
            if !failed && expected.pending! > 0 { seen["pending", default: 0] += 1 }
            // A session that failed stays failed: it never reads on from a stream it can no longer trust.
            var session = TWSClientSession(clientId: 1)
            if (try? session.receive(Garbage.bytes(&rng, count: 32))) == nil {
                #expect(throws: TWSProtocolError.self) { try session.receive(try TWSFraming.frame(["176", "20171004 12:00:00 EST"])) }
            }
        }
        // Every kind of outcome was exercised, many times.
        for kind in ["fields", "badLength", "unterminated", "pending"] { #expect(seen[kind, default: 0] > 500, "\(kind): \(seen)") }
    }

    /// Truncations that decode, by design: a trailing field IB made optional (the decoder reads it only when present) or a
    /// message whose only field after the id is a version the decoder does not read. Any other truncation must throw a
    /// TWSProtocolError naming the message; a message listed here whose truncation stops decoding fails the test too.
    static let truncationsThatDecode: [String] = [
        "cancelOrder@3/4",          // manualOrderCancelTime (server version ≥ MANUAL_ORDER_TIME)
        "startApi@3/4",             // optionalCapabilities
        "event 4@5/6",              // ERR_MSG advancedOrderRejectJson
        // Version-only messages: [id, version]; the version is not read.
        "cancelPositions@1/2", "reqAllOpenOrders@1/2", "reqCurrentTime@1/2", "reqGlobalCancel@1/2", "reqManagedAccts@1/2",
        "reqOpenOrders@1/2", "reqPositions@1/2", "event 53@1/2", "event 62@1/2",
    ]

    @Test func everyTruncationOfEveryMessageThrowsAClearError() throws {
        var decoded: [String] = []
        func check(_ label: String, _ full: [String], _ decode: ([String]) throws -> Void) {
            do { try decode(full) } catch { Issue.record("\(label): the full message does not decode: \(error)") }
            for cut in 1..<full.count {
                do {
                    try decode(Array(full.prefix(cut)))
                    decoded.append("\(label)@\(cut)/\(full.count)")
                } catch let e as TWSProtocolError {
                    #expect("\(e)".contains("message \(full[0])"), "\(label)@\(cut): \(e)")
                    if case .truncated(let id, let index, _) = e { #expect(id == Int(full[0]) && index == cut, "\(label)@\(cut): \(e)") }
                } catch {
                    Issue.record("\(label)@\(cut): not a TWSProtocolError: \(error)")
                }
            }
        }
        for (name, r) in TWSEncodingSamples.all.sorted(by: { $0.key < $1.key }) { check(name, r.fields()) { _ = try TWSRequest.decode($0) } }
        for ev in EventSamples.all { let full = ev.fields(); check("event \(full[0])", full) { _ = try TWSEvent.decode($0) } }
        #expect(decoded.sorted() == Self.truncationsThatDecode.sorted())
        // The errors name the field.
        #expect(throws: TWSProtocolError.truncated(messageId: 3, index: 17, name: "totalQuantity")) {
            try TWSRequest.decode(Array(try #require(TWSEncodingSamples.all["placeOrder-parent"]).fields().prefix(17)))
        }
    }

    @Test func unknownIdsAreRefusedByName() {
        #expect(throws: TWSProtocolError.unknownMessage(id: "1000", direction: "client→server")) { try TWSRequest.decode(["1000", "1"]) }
        #expect(throws: TWSProtocolError.self) { try TWSRequest.decode(["x1", "1"]) }
        #expect(throws: TWSProtocolError.emptyMessage) { try TWSRequest.decode([]) }
    }
}
