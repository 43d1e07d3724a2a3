import CandlewickCore
import Foundation
import Testing

/// `live.symbol`: the chart-less record for live observers.
@Suite("live.symbol record")
struct LiveSymbolRecordTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func symbolRecord() throws -> SymbolRecord {
        let signal = try TradingSignal(symbol: "MSFT", action: .buy, confidence: .high, confidenceScore: 80, entryPrice: 401, stopLoss: 390,
                                       takeProfit: 420, reasoning: "trend", timestamp: t0)
        return try SymbolRecord(runId: "run-1", symbol: "MSFT", signal: signal, rawAnswer: "{\"action\":\"BUY\",\"long\":\"answer\"}",
                                reasons: ["r"], llmProvider: "anthropic", llmModel: "claude", promptVersion: "v3", inputTokens: 1800,
                                outputTokens: 240, llmLatencyMs: 2350.5, costUsd: 0.01, latestPrice: 400.1,
                                stageTimings: ["charts": 0.4, "analysis": 2.4], trail: try TrailPosition(seq: 2, outbox: "/srv/runs/run-1/outbox"))
    }

    /// The envelope JSON of a `live.symbol` whose payload is `payload` (raw text).
    func envelope(_ payload: String) -> Data {
        Data("""
            {"v":1,"id":"m1","type":"live.symbol","source":"candlewick-run.1.live","seq":1,"ts":"2027-01-15T08:00:00Z","payload":\(payload)}
            """.utf8)
    }

    @Test func itCarriesTheRunSymbolRecordWithoutTheRawAnswerAndTravelsTheBus() throws {
        let source = try symbolRecord()
        let live = try LiveSymbolRecord(source, runFolder: "run-1", chartFiles: ["daily": "charts/MSFT/MSFT_daily.png"])
        let json = try live.encodedPayload(using: CandlewickJSON.encoder())
        let text = String(decoding: json, as: UTF8.self)
        #expect(!text.contains("raw_answer") && !text.contains("trail") && !text.contains("long"), "no raw answer, no audit trail")
        #expect(text.contains("\"chart_files\":{\"daily\":\"charts/MSFT/MSFT_daily.png\"}") && text.contains("\"run_folder\":\"run-1\""))
        let decoded = try MessageCatalog.standard.decodePayload(type: LiveSymbolRecord.messageType, envelopeJSON: envelope(text),
                                                                decoder: CandlewickJSON.decoder())
        #expect(decoded as? LiveSymbolRecord == live)
        #expect(live.signal == source.signal && live.latestPrice == source.latestPrice && live.costUsd == 0.01 && live.reasons == ["r"])
        #expect(live.stageTimings == source.stageTimings && live.inputTokens == 1800 && live.llmModel == "claude")
    }

    @Test func theSchemaSampleDecodes() throws {
        let bytes = try fixture("payload-samples.json")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(bytes.utf8)) as? [String: Any])
        let sample = try #require((all["valid"] as? [String: Any])?["live.symbol"])
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: sample), as: UTF8.self)
        let decoded = try MessageCatalog.standard.decodePayload(type: "live.symbol", envelopeJSON: envelope(payload), decoder: CandlewickJSON.decoder())
        let record = try #require(decoded as? LiveSymbolRecord)
        #expect(record.chartFiles == ["daily": "charts/MSFT/MSFT_daily.png", "weekly": "charts/MSFT/MSFT_weekly.png"])
        #expect(record.runFolder == "run-20240103-1" && record.symbol == "MSFT")
    }

    @Test(arguments: [
        (["daily": "../../etc/passwd"], "chart_files.daily"),
        (["daily": "/srv/runs/x/charts/MSFT_daily.png"], "chart_files.daily"),
        (["daily": "charts//MSFT_daily.png"], "chart_files.daily"),
        (["weekly": "charts/.hidden/MSFT_weekly.png"], "chart_files.weekly"),
        (["monthly": "charts/MSFT/MSFT_monthly.png"], "chart_files"),
    ])
    func aChartPathThatCouldLeaveTheRunFolderIsRefusedByName(files: [String: String], field: String) throws {
        let detail = try #require(try refusal(validPayload { $0["chart_files"] = files }), "refused")
        #expect(detail.contains(field) && detail.contains("LiveSymbolRecord"), "\(detail)")
    }

    @Test func garbageIsRefusedWithAReasonNamingWhatIsWrong() throws {
        #expect(try refusal(validPayload { _ in }) == nil, "the unchanged payload is valid")
        #expect(try refusal(validPayload { $0["run_folder"] = "runs/run-1" })?.contains("run_folder") == true)
        #expect(try refusal(validPayload { $0["run_folder"] = ".." })?.contains("run_folder") == true)
        #expect(try refusal(validPayload { $0["latest_price"] = 0 })?.contains("latest_price") == true)
        #expect(try refusal(validPayload { $0["symbol"] = "AAPL" })?.contains("signal.symbol") == true)
        #expect(try refusal(validPayload { $0["chart_files"] = "charts/MSFT/MSFT_daily.png" })?.contains("chart_files") == true)
        #expect(try refusal("[1,2,3]")?.contains("live.symbol payload") == true)
        #expect(try refusal("{\"run_id\":\"run-1\"}")?.contains("missing field") == true)
    }

    /// Why the catalog refuses `payload` (nil: it does not), checking that it is refused as an invalid payload.
    func refusal(_ payload: String) throws -> String? {
        do {
            _ = try MessageCatalog.standard.decodePayload(type: "live.symbol", envelopeJSON: envelope(payload), decoder: CandlewickJSON.decoder())
            return nil
        } catch let error as BusRejection {
            #expect(error.reason == .invalidPayload)
            return error.detail
        }
    }

    /// A valid payload (no run folder, no charts) as JSON text, after `change`.
    func validPayload(_ change: (inout [String: Any]) -> Void) throws -> String {
        let live = try LiveSymbolRecord(try symbolRecord(), runFolder: nil, chartFiles: [:])
        var object = try #require(try JSONSerialization.jsonObject(with: try live.encodedPayload(using: CandlewickJSON.encoder())) as? [String: Any])
        change(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}
