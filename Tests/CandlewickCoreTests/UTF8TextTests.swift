@testable import CandlewickCore
import Testing

/// `UTF8Text.string` must say exactly what `String(validating:as:)` says, whatever the bytes: the
/// ASCII shortcut may only skip work, never accept or change anything.
@Suite struct UTF8TextTests {
    @Test func agreesWithTheStandardLibraryOnEveryKindOfByteSequence() {
        var rng = SplitMix64(seed: 7)
        let alphabets: [[UInt8]] = [
            Array("abcXYZ019 _-.:".utf8),
            Array("aé€😀".utf8),
            [0x61, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xA0, 0xF0, 0xF4, 0xF5, 0xFF],
        ]
        var nonASCII = 0, invalid = 0
        for round in 0..<5_000 {
            let alphabet = alphabets[round % alphabets.count]
            // Lengths around the 8-byte words the ASCII check reads, so a bad byte lands in a word and in the tail.
            let bytes = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let expected = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
            let got = bytes.withUnsafeBufferPointer { UTF8Text.string($0) }
            #expect(got == expected, "bytes \(bytes)")
            if bytes.contains(where: { $0 >= 0x80 }) { nonASCII += 1 }
            if expected == nil { invalid += 1 }
        }
        #expect(nonASCII > 1_000 && invalid > 500)
    }

    @Test func aSingleHighByteAnywhereIsNotASCII() {
        for count in 0..<20 {
            for at in 0..<count {
                var bytes = [UInt8](repeating: 0x61, count: count)
                bytes[at] = 0xFF
                #expect(bytes.withUnsafeBufferPointer { !UTF8Text.isASCII($0) }, "0xFF at \(at) of \(count)")
                #expect(bytes.withUnsafeBufferPointer { UTF8Text.string($0) } == nil)
            }
            #expect([UInt8](repeating: 0x7F, count: count).withUnsafeBufferPointer { UTF8Text.isASCII($0) })
        }
    }
}
