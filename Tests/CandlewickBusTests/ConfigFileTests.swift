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
        #expect(c.string("bus.directory") == "/tmp/x y")
        #expect(try c.int("bus.high_water_mark", default: 1) == 77)
        #expect(try c.double("runtime.heartbeat_interval_s", default: 2) == 0.5)
        #expect(try c.int("bus.linger_ms", default: 500) == 500)
    }

    @Test func environmentOverridesFile() throws {
        let c = try ConfigFile(text: "[bus]\nhigh_water_mark = 5\n", origin: "f",
                               environment: ["CANDLEWICK_BUS_HIGH_WATER_MARK": "9"])
        #expect(try c.int("bus.high_water_mark", default: 1) == 9)
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

    @Test func typeErrorsNameTheOrigin() throws {
        let c = try ConfigFile(text: "[bus]\nhigh_water_mark = lots\n", origin: "t.conf", environment: [:])
        #expect { _ = try c.int("bus.high_water_mark", default: 1) } throws: { "\($0)".contains("t.conf:2") }
        let e = try ConfigFile(environment: ["CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S": "nan"])
        #expect { _ = try e.double("runtime.heartbeat_interval_s", default: 1) } throws: {
            "\($0)".contains("CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S")
        }
    }

    @Test(arguments: ["[bus\nx=1", "[bus]\nnoequals", "key = outside"])
    func malformedLinesRejected(text: String) {
        #expect(throws: ConfigError.self) { _ = try ConfigFile(text: text, origin: "m", environment: [:]) }
    }
}
