import CandlewickCore
import Foundation
import Testing

@Suite("Heartbeat alerts")
struct HeartbeatAlertTests {
    func heartbeat(_ alerts: [HeartbeatAlert]) throws -> Heartbeat {
        try Heartbeat(process: "order-router", instance: "order-router.1", pid: 7, host: "h", startedAt: Date(timeIntervalSince1970: 0),
                      state: "running", intervalS: 1, counters: ["alerts.intents_unknown": 1], alerts: alerts)
    }

    @Test func alertsTravelInTheHeartbeatAndAreLeftOutWhenThereAreNone() throws {
        let hb = try heartbeat([HeartbeatAlert(.intentUnknown, id: "cw-1", detail: "SPY: not confirmed")])
        try roundTrip(hb)
        let text = String(decoding: try CandlewickJSON.encode(hb), as: UTF8.self)
        #expect(text.contains("\"alerts\":[{\"detail\":\"SPY: not confirmed\",\"id\":\"cw-1\",\"kind\":\"intent_unknown\"}]"))
        #expect(!String(decoding: try CandlewickJSON.encode(try heartbeat([])), as: UTF8.self).contains("\"alerts\":"))
        // An older heartbeat without the key still decodes, with no alerts.
        let old = Data(#"{"process":"x","instance":"x.1","pid":1,"host":"h","started_at":"2026-01-01T00:00:00Z","state":"running","interval_s":1}"#.utf8)
        #expect(try CandlewickJSON.decoder().decode(Heartbeat.self, from: old).alerts.isEmpty)
    }

    @Test func nonsenseIsRefusedWithItsField() throws {
        let many = (0...HeartbeatAlert.maxPerHeartbeat).map { HeartbeatAlert(.auditIncomplete, id: "r\($0)", detail: "") }
        #expect(throws: ModelValidationError.self) { try heartbeat(many) }
        #expect(throws: ModelValidationError.self) { try HeartbeatAlert(kind: "intent_unknown", id: "", detail: "x") }
        #expect(throws: ModelValidationError.self) { try HeartbeatAlert(kind: "", id: "cw-1", detail: "x") }
        #expect(HeartbeatAlert(.orderNotInJournal, id: "cw-1-E", detail: String(repeating: "x", count: 900)).detail.count == 500)
        let bad = Data(#"{"process":"x","instance":"x.1","pid":1,"host":"h","started_at":"2026-01-01T00:00:00Z","state":"running","interval_s":1,"alerts":[{"kind":"intent_unknown","id":""}]}"#.utf8)
        #expect(throws: (any Error).self) { try CandlewickJSON.decoder().decode(Heartbeat.self, from: bad) }
    }
}
