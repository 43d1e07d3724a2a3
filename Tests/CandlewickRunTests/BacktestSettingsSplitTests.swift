import CandlewickCore
import CandlewickRun
import Foundation
import Testing

@Suite("BacktestSettings: the out-of-sample split (--oos-from)")
struct BacktestSettingsSplitTests {
    static func settings() throws -> BacktestSettings {
        try BacktestSettings(from: "2016-03-01", to: "2016-06-30", every: 5, universe: ["AAPL"], data: "d",
                             assumptions: BacktestAssumptions(holdDays: 10, entryValidBars: 1, slippageBps: 0, commission: .ibTiered))
    }

    @Test("a day that is not a date, on or before --from, or after --to is refused naming the option", arguments: [
        ("2016-13-01", "--oos-from must be a date YYYY-MM-DD"), ("soon", "--oos-from must be a date YYYY-MM-DD"),
        ("2016-03-01", "must be after --from 2016-03-01"), ("2016-02-01", "must be after --from 2016-03-01"),
        ("2016-07-01", "not after --to 2016-06-30"),
    ])
    func refused(day: String, message: String) throws {
        var s = try Self.settings()
        #expect { try s.setOutOfSample(from: day) } throws: { "\($0)".contains(message) }
        #expect(s.oosFrom == nil)
    }

    @Test("set: in the canonical JSON and the fingerprint, and read back equal (a resume compares them); unset: absent")
    func canonical() throws {
        let plain = try Self.settings()
        var split = plain
        try split.setOutOfSample(from: "2016-06-30")
        #expect(split.oosFrom == "2016-06-30")
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        #expect(!String(decoding: try e.encode(plain), as: UTF8.self).contains("oos_from"))
        #expect(String(decoding: try e.encode(split), as: UTF8.self).contains(#""oos_from":"2016-06-30""#))
        #expect(split.fingerprint != plain.fingerprint)
        #expect(try JSONDecoder().decode(BacktestSettings.self, from: e.encode(split)) == split)
        #expect(try JSONDecoder().decode(BacktestSettings.self, from: e.encode(plain)) == plain)
        try split.setOutOfSample(from: nil)
        #expect(split == plain && split.fingerprint == plain.fingerprint)
    }
}
