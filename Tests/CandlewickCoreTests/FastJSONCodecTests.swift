@testable import CandlewickCore
import Foundation
import Testing

/// `FastJSONEncoder` / `FastJSONDecoder` against Foundation's `JSONEncoder` / `JSONDecoder` with
/// `CandlewickJSON`'s settings, which they replace on the bus's hot path: the same bytes out, the
/// same values in, nothing accepted that Foundation refuses, and (through `CandlewickJSON.decodeFast`)
/// the same refusals with the same messages.
@Suite("Fast JSON codec")
struct FastJSONCodecTests {
    static let payloadTypes: [any BusPayload.Type] = [
        Heartbeat.self, Probe.self, MarketData.self, TechnicalIndicators.self, ChartJob.self, ChartJobResult.self, AnalysisJob.self,
        AnalysisResult.self, TradingSignal.self, Order.self, Trade.self, Portfolio.self, MarketDataRequest.self, GatewayFailure.self,
        OrderPlan.self, OrderAck.self, OrderRejection.self, CancelRequest.self, SnapshotRequest.self, BrokerOrder.self, TradeExecution.self,
        BrokerSnapshot.self, BrokerTime.self, PortfolioRequest.self, SignalSubmission.self, RouterDecision.self, TradingCommand.self,
        TradingStateReport.self, RunStarted.self, SymbolRecord.self, RunFinished.self, LiveSymbolRecord.self,
    ]

    /// The payload samples of tests/python/test_schemas.py (valid ones per type, then invalid ones).
    static func samples() throws -> (valid: [String: TestJSON], invalid: [(String, TestJSON)]) {
        let bytes = [UInt8](try fixture("payload-samples.json").utf8)
        guard case .object(let top)? = FastJSONParser.parse(bytes).map({ TestJSON($0, bytes: bytes) }),
              case .object(let valid)? = top.first(where: { $0.0 == "valid" })?.1,
              case .array(let invalid)? = top.first(where: { $0.0 == "invalid" })?.1 else {
            throw ModelValidationError(model: "fixture", field: "payload-samples.json", rule: "not the expected shape")
        }
        let bad: [(String, TestJSON)] = invalid.compactMap {
            guard case .array(let pair) = $0, case .string(let type) = pair[0] else { return nil }
            return (type, pair[1])
        }
        return (Dictionary(uniqueKeysWithValues: valid), bad)
    }

    /// Per input: what Foundation and the fast path make of it.
    struct Tally {
        var inputs = 0, accepted = 0, fastHits = 0, ownOutputRead = 0, unencodable = 0
    }

    /// The whole contract for one input of type `P`.
    static func check<P: BusPayload>(_ type: P.Type, _ json: [UInt8], _ tally: inout Tally, _ note: @autoclosure () -> String) {
        let encoder = CandlewickJSON.encoder(), decoder = CandlewickJSON.decoder()
        tally.inputs += 1
        let fast = FastJSONDecoder.decode(P.self, from: json)
        let reference: P
        do {
            reference = try decoder.decode(P.self, from: Data(json))
        } catch {
            #expect(fast == nil, "fast path accepted what JSONDecoder refuses (\(DecodingErrorText.describe(error))): \(note())")
            // Through the public entry point the refusal is JSONDecoder's, word for word.
            do {
                _ = try CandlewickJSON.decodeFast(P.self, from: Data(json), fallback: decoder)
                Issue.record("decodeFast accepted \(note())")
            } catch let fastError {
                #expect(DecodingErrorText.describe(fastError) == DecodingErrorText.describe(error))
            }
            return
        }
        tally.accepted += 1
        // A value JSONEncoder cannot write (a computed NaN): the fast encoder gives up too, and the
        // public entry point throws JSONEncoder's error.
        guard let want = try? encoder.encode(reference) else {
            #expect(throws: (any Error).self) { try FastJSONEncoder.encode(reference) }
            #expect(throws: EncodingError.self) { try CandlewickJSON.encodeFast(reference, fallback: encoder) }
            tally.unencodable += 1
            return
        }
        do {
            if let fast {
                tally.fastHits += 1
                #expect(try encoder.encode(fast) == want, "fast path read another value: \(note())")
            }
            // Byte-identical encode, and decode(encode(x)) == x on the fast path.
            let fastBytes = try FastJSONEncoder.encode(reference)
            #expect(fastBytes == [UInt8](want), "\(note())\n fast: \(String(decoding: fastBytes, as: UTF8.self))\n want: \(String(decoding: want, as: UTF8.self))")
            if let again = FastJSONDecoder.decode(P.self, from: fastBytes) {
                tally.ownOutputRead += 1
                #expect(try encoder.encode(again) == want)
            }
            #expect(try encoder.encode(CandlewickJSON.decodeFast(P.self, from: Data(fastBytes), fallback: decoder)) == want)
        } catch {
            Issue.record("\(error): \(note())")
        }
    }

    @Test func everyBusPayloadTypeIsCovered() throws {
        #expect(Set(Self.payloadTypes.map { $0.messageType }) == Set(MessageCatalog.standard.types))
        let (valid, _) = try Self.samples()
        #expect(Set(valid.keys) == Set(MessageCatalog.standard.types))
    }

    /// Thousands of variants of every payload type: values, keys and order changed, written plainly
    /// and with white space and needless escapes.
    @Test func generatedPayloadsEncodeAndDecodeAsFoundationDoes() throws {
        var rng = SplitMix64(seed: 1818)
        let (valid, invalid) = try Self.samples()
        var all = Tally()
        for type in Self.payloadTypes {
            let seed = try #require(valid[type.messageType])
            var tally = Tally()
            for i in 0..<400 {
                let variant = i == 0 ? seed : PayloadVariants.mutate(seed, &rng, rate: i % 4 == 0 ? 4 : 20)
                let text = variant.text(&rng, fancy: i % 5 == 4)
                Self.check(type, Array(text.utf8), &tally, "\(type.messageType) variant \(i): \(text.prefix(600))")
            }
            // Valid variants of every type, most of them read by the fast path itself (it leaves
            // repeated keys and numbers in unusual spellings to Foundation).
            #expect(tally.accepted >= 20, "\(type.messageType): only \(tally.accepted) of \(tally.inputs) variants valid")
            #expect(tally.fastHits * 2 >= tally.accepted, "\(type.messageType): fast path read \(tally.fastHits) of \(tally.accepted)")
            #expect(tally.ownOutputRead * 10 >= (tally.accepted - tally.unencodable) * 9, "\(type.messageType): fast path read \(tally.ownOutputRead) of its own outputs")
            all.accepted += tally.accepted
            all.fastHits += tally.fastHits
        }
        #expect(all.fastHits * 10 >= all.accepted * 8, "fast path read \(all.fastHits) of \(all.accepted) valid variants")
        var tally = Tally()
        for (type, payload) in invalid {
            let t = try #require(Self.payloadTypes.first { $0.messageType == type })
            Self.check(t, Array(payload.text(&rng, fancy: false).utf8), &tally, "invalid \(type)")
        }
        #expect(tally.accepted == 0, "the schema tests' invalid samples are refused")
    }

    /// Truncated, spliced and bit-flipped payloads: an error or Foundation's own value, never a crash.
    @Test func garbageAndTruncatedInputsAreRefusedAsFoundationRefusesThem() throws {
        var rng = SplitMix64(seed: 99)
        let (valid, _) = try Self.samples()
        var tally = Tally()
        for type in Self.payloadTypes {
            let bytes = Array(try #require(valid[type.messageType]).text(&rng, fancy: false).utf8)
            for cut in 0..<bytes.count { Self.check(type, Array(bytes[..<cut]), &tally, "\(type.messageType) cut at \(cut)") }
            for _ in 0..<300 {
                var b = bytes
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<b.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: b[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: b.remove(at: at)
                    case 2: b.insert(Array("{}[],:\"\\0-e.nt\u{0}".utf8).randomElement(using: &rng)!, at: at)
                    default: b[at] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                    }
                }
                Self.check(type, b, &tally, "\(type.messageType) mutated: \(String(decoding: b.prefix(400), as: UTF8.self))")
            }
        }
        for deep in ["[", "{\"a\":"] { Self.check(MarketData.self, Array(String(repeating: deep, count: 100_000).utf8), &tally, "deep") }
        #expect(tally.inputs > 10_000)
    }

    /// Numbers, strings and key order beyond what the payload samples reach, through plain
    /// containers of the types the models use.
    @Test func numbersStringsAndKeysMatchFoundation() throws {
        var rng = SplitMix64(seed: 4242)
        let encoder = CandlewickJSON.encoder(), decoder = CandlewickJSON.decoder()
        func same<T: Codable>(_ value: T) throws {
            let want = try encoder.encode(value)
            #expect(try FastJSONEncoder.encode(value) == [UInt8](want), "\(String(decoding: want, as: UTF8.self))")
        }
        for _ in 0..<300 {
            let doubles = (0..<20).map { _ in Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)) }.filter(\.isFinite)
                + [0, -0.0, 1e15, 1e16, 1e-7, 0.1, 100, 2.5e-5, Double(Int.random(in: -9_999_999...9_999_999, using: &rng)) / 1000]
            try same(doubles)
            let decimals = (0..<20).map { _ in Decimal(string: PayloadVariants.number(&rng)) ?? 0 }
            try same(decimals)
            let keys = (0..<8).map { _ in PayloadVariants.strings.randomElement(using: &rng)! + PayloadVariants.strings.randomElement(using: &rng)! }
            try same(Dictionary(keys.map { ($0, Int.random(in: Int.min...Int.max, using: &rng)) }, uniquingKeysWith: { a, _ in a }))
            try same([Int.random(in: 0...1000, using: &rng): [String?.none, "x"], -1: []])
            try same([Date(timeIntervalSince1970: Double(Int64.random(in: -1_000_000_000_000...10_000_000_000_000, using: &rng)) / 1000)])
            try same([UInt64.random(in: 0...UInt64.max, using: &rng)])
            // Numbers as every integer and floating type reads them.
            let texts = (0..<10).map { _ in PayloadVariants.number(&rng) }
            for t in texts {
                let json = Array("[\(t)]".utf8)
                func agree<T: Decodable & Equatable>(_ type: T.Type) {
                    let want = try? decoder.decode([T].self, from: Data(json))
                    if let got = FastJSONDecoder.decode([T].self, from: json) { #expect(got == want, "\(t) as \(T.self)") }
                }
                agree(Int.self)
                agree(UInt64.self)
                agree(Int32.self)
                agree(Double.self)
                agree(Decimal.self)
                if let got = FastJSONDecoder.decode([Decimal].self, from: json), let want = try? decoder.decode([Decimal].self, from: Data(json)) {
                    #expect(got.map(\.description) == want.map(\.description), "\(t) as Decimal")
                }
            }
        }
        // Strings with every escape, written plainly and with needless escapes.
        for _ in 0..<2000 {
            let s = (0..<Int.random(in: 0...6, using: &rng)).map { _ in PayloadVariants.strings.randomElement(using: &rng)! }.joined()
                + String(UnicodeScalar(UInt8.random(in: 0...0x7F, using: &rng)))
            try same([s])
            let json = Array(TestJSON.array([.string(s)]).text(&rng, fancy: true).utf8)
            #expect(FastJSONDecoder.decode([String].self, from: json) == [s])
        }
        // What JSONDecoder reads leniently, the fast path leaves to it.
        #expect(FastJSONDecoder.decode([Int].self, from: Array("[1.0]".utf8)) == nil)
        #expect(try CandlewickJSON.decodeFast([Int].self, from: Data("[1e2]".utf8), fallback: decoder) == [100])
        #expect(FastJSONDecoder.decode([String: Int].self, from: Array(#"{"a":1,"a":2}"#.utf8)) == nil)
    }
}
