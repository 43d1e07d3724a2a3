import CandlewickRuntime
import Testing

@Suite("Configuration file")
struct ConfigFileTests {
    @Test func parsesSectionsQuotesAndComments() throws {
        let c = try ConfigFile(text: """
            # comment
            [bus]
            directory = "/tmp/x y"
            high_water_mark = 77
            ; another comment
            [runtime]
            heartbeat_interval_s = 0.5
            """, origin: "test.conf", environment: [:])
        #expect(c[\.busDirectory] == "/tmp/x y")
        #expect(c[\.busHighWaterMark] == 77)
        #expect(c[\.runtimeHeartbeatIntervalS] == 0.5)
        #expect(c[\.busLingerMs] == 500)
        #expect(!c.isSet(\.busLingerMs) && c.isSet(\.busHighWaterMark))
    }

    @Test func environmentOverridesFile() throws {
        let c = try ConfigFile(text: "[bus]\nhigh_water_mark = 5\n", origin: "f",
                               environment: ["CANDLEWICK_BUS_HIGH_WATER_MARK": "9"])
        #expect(c[\.busHighWaterMark] == 9)
        #expect(c.origin(of: "bus.high_water_mark") == "environment CANDLEWICK_BUS_HIGH_WATER_MARK")
    }

    @Test func unknownKeyNamesFileAndLine() {
        #expect {
            _ = try ConfigFile(text: "[bus]\n\npubish = x\n", origin: "my.conf", environment: [:])
        } throws: { e in
            let s = "\(e)"
            return s.contains("my.conf:3") && s.contains("unknown key bus.pubish") && s.contains("bus.publish")
        }
    }

    @Test func secretsAreRefused() {
        #expect {
            _ = try ConfigFile(text: "[bus]\nopenai_api_key = sk-123\n", origin: "s.conf", environment: [:])
        } throws: { e in
            "\(e)".contains("looks like a secret") && !"\(e)".contains("sk-123")
        }
    }

    @Test func typeErrorsNameTheOriginWhenLoading() {
        #expect { _ = try ConfigFile(text: "[bus]\nhigh_water_mark = lots\n", origin: "t.conf", environment: [:]) } throws: {
            "\($0)".contains("t.conf:2: bus.high_water_mark = \"lots\"")
        }
        #expect { _ = try ConfigFile(environment: ["CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S": "nan"]) } throws: {
            "\($0)".contains("environment CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S: runtime.heartbeat_interval_s = \"nan\"")
        }
    }

    @Test func everyBadValueIsReportedAtOnceInFileOrder() {
        let text = "[llm]\nimage_detail = hgih\n[runtime]\nshutdown_budget_s = -1\n[router]\nmode = lve\n"
        #expect { _ = try ConfigFile(text: text, origin: "a.conf", environment: ["CANDLEWICK_RISK_ENTRY_TYPE": "limt"]) } throws: { e in
            let lines = "\(e)".split(separator: "\n").map(String.init)
            return lines.count == 4 && lines[0].hasPrefix("a.conf:2: llm.image_detail") && lines[1].hasPrefix("a.conf:4: runtime.shutdown_budget_s")
                && lines[2].hasPrefix("a.conf:6: router.mode") && lines[3].hasPrefix("environment CANDLEWICK_RISK_ENTRY_TYPE: risk.entry_type")
        }
    }

    @Test(arguments: ["[bus\nx=1", "[bus]\nnoequals", "key = outside"])
    func malformedLinesRejected(text: String) {
        #expect(throws: ConfigError.self) { _ = try ConfigFile(text: text, origin: "m", environment: [:]) }
    }
}
