import CandlewickBus
import CandlewickCore
@testable import CandlewickLLM
@testable import CandlewickRouter
import CandlewickRun
import CandlewickRuntime
import Foundation
import Testing

@Suite("Error codes are stable")
struct ErrorCodeTests {
    @Test("what a caller or a log reader keys on does not change with the message")
    func codes() throws {
        var thrown: [String] = []
        do { _ = try OHLCVBar(timestamp: Date(), open: 1, high: 0.5, low: 1, close: 1, volume: 1) } catch let e as any CodedError {
            thrown.append(e.code)
        }
        do { _ = try ConfigFile(text: "[bus]\nnope = 1\n", origin: "test.ini", environment: [:]) } catch let e as any CodedError {
            thrown.append(e.code)
        }
        do { _ = try FrameCodec().decode([Data("x".utf8)], decoder: CandlewickJSON.decoder()) } catch let e as any CodedError {
            thrown.append(e.code)
        }
        #expect(thrown == ["invalid_model", "invalid_config", "bad_framing"])
        #expect(RunError.noBars("x.csv").code == "no_bars" && RunError.cutShort("run r").code == "cut_short")
        #expect(BusError("send", message: "socket is closed", code: "closed").code == "closed")
        #expect(BusError("bind", errno: 98, message: "Address in use").code == "zmq_error")
        #expect(ProviderHTTPError(status: 429, body: "", headers: [:]).code == "http_429")
        let journalError: any CodedError = JournalError("damaged")
        #expect(journalError.code == "journal_damaged" && journalError.logFields["error.code"] == "journal_damaged")
    }
}
