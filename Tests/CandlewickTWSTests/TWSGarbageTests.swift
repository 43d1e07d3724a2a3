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
    static let eventIds = [3, 4, 5, 9, 10, 11, 15, 17, 49, 52, 53, 54, 55, 59, 61, 62, 63, 64, 101, 102, 7, 200]

    @Test func tenThousandGarbageMessagesNeverCrashTheDecoders() {
        var rng = SplitMix64(seed: 178)
        var thrown = 0
        for _ in 0..<10_000 {
            do { _ = try TWSRequest.decode(Garbage.fields(&rng, ids: Self.requestIds)) } catch { thrown += 1 }
            do { _ = try TWSEvent.decode(Garbage.fields(&rng, ids: Self.eventIds)) } catch { thrown += 1 }
        }
        #expect(thrown > 5_000)  // most garbage is refused with an error (short messages accept extra fields); none crashes
    }

    @Test func tenThousandRandomByteStreamsNeverCrashFraming() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            var buffer = TWSFrameBuffer(maxLength: 4096)
            buffer.append(Garbage.bytes(&rng, count: Int.random(in: 0...64, using: &rng)))
            while true {
                guard let fields = try? buffer.nextFields() else { break }
                _ = try? TWSRequest.decode(fields)
            }
            var session = TWSClientSession(clientId: 1)
            _ = try? session.receive(Garbage.bytes(&rng, count: 32))
        }
    }

    @Test func everyTruncationOfEveryMessageThrowsAClearError() throws {
        let requests = Array(TWSEncodingSamples.all.values)
        for r in requests {
            let full = r.fields()
            for cut in 1..<full.count {
                do { _ = try TWSRequest.decode(Array(full.prefix(cut))) } catch let e as TWSProtocolError {
                    #expect("\(e)".contains("message \(full[0])"), "\(e)")
                }
            }
        }
        for ev in EventSamples.all {
            let full = ev.fields()
            for cut in 1..<full.count {
                do { _ = try TWSEvent.decode(Array(full.prefix(cut))) } catch let e as TWSProtocolError {
                    #expect("\(e)".contains("message \(full[0])"), "\(e)")
                }
            }
        }
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
