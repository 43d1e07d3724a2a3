import CandlewickBus
import CandlewickCore
@testable import CandlewickRuntime
import Foundation
import Testing

@Suite("Configuration key table")
struct ConfigKeysTests {
    /// Each kind with values it must accept (and what they read as) and values it must refuse.
    static let kinds: [(ConfigKind, good: [(String, ConfigValue)], bad: [String])] = [
        (.text(nonEmpty: true), [("x", .text("x")), (" a b ", .text(" a b "))], ["", "   "]),
        (.text(nonEmpty: false), [("", .text("")), ("x", .text("x"))], []),
        (.endpoint, [("ipc:///tmp/a.sock", .text("ipc:///tmp/a.sock")), ("tcp://127.0.0.1:5555", .text("tcp://127.0.0.1:5555")),
                     ("tcp://*:*", .text("tcp://*:*")), (" inproc://x ", .text("inproc://x"))],
         ["", "ipc://", "tcp://127.0.0.1", "tcp://:5555", "tcp://host:0", "tcp://host:70000", "udp://h:1", "/tmp/a.sock"]),
        (.path, [("runs", .text("runs")), ("/a b/c", .text("/a b/c"))], ["", "  "]),
        (.url(allowEmpty: false), [("http://h:5000", .text("http://h:5000")), ("https://api.openai.com", .text("https://api.openai.com"))],
         ["", "ftp://h", "http://", "api.openai.com", "localhost:5000"]),
        (.url(allowEmpty: true), [("", .text("")), ("https://h/x", .text("https://h/x"))], ["h:5000", "file:///x"]),
        (.integer(1...65_535), [("1", .int(1)), ("65535", .int(65_535)), (" 42 ", .int(42))], ["0", "65536", "-1", "1.5", "4k", "", "0x10"]),
        (.number(min: 0, minInclusive: false, max: 10), [("0.5", .double(0.5)), ("10", .double(10)), ("1e-3", .double(0.001))],
         ["0", "-1", "10.1", "nan", "inf", "", "abc", "0x1"]),
        (.number(min: 0, minInclusive: true, max: 10), [("0", .double(0))], ["-0.1"]),
        (.decimal(min: 0, minInclusive: false, max: 100), [("0.01", .decimal(Decimal(string: "0.01")!)), ("100", .decimal(100))],
         ["0", "-5", "100.01", "12abc", "", "1,5"]),
        (.boolean, [("true", .bool(true)), ("YES", .bool(true)), ("on", .bool(true)), ("1", .bool(true)), ("false", .bool(false)),
                    ("No", .bool(false)), ("off", .bool(false)), ("0", .bool(false))], ["maybe", "", "2", "truee"]),
        (.choice(["low", "high"], caseInsensitive: false), [("low", .text("low")), (" high ", .text("high"))], ["LOW", "hgih", ""]),
        (.choice(["MARKET", "LIMIT"], caseInsensitive: true), [("limit", .text("LIMIT")), ("Market", .text("MARKET"))], ["limt", ""]),
        (.list(.symbol), [("aapl, MSFT,,BRK.B", .list(["AAPL", "MSFT", "BRK.B"]))], ["", ",", "AAPL,$$$", String(repeating: "A", count: 33)]),
        (.list(.name), [("candlewick-run,cli", .list(["candlewick-run", "cli"])), ("a_b.c", .list(["a_b.c"]))], ["", "a b", "cli,x/y"]),
        (.hostPort, [("127.0.0.1:4003", .text("127.0.0.1:4003")), ("paper.local:1", .text("paper.local:1"))],
         ["127.0.0.1", ":4003", "h:0", "h:*", "h:65536", "tcp://h:1"]),
    ]

    @Test func eachKindAcceptsItsGoodValuesAndRefusesItsBadOnes() {
        for (kind, good, bad) in Self.kinds {
            for (text, expected) in good {
                #expect((try? kind.parse(text)) == expected, "\(kind) should read \"\(text)\" as \(expected)")
            }
            for text in bad {
                #expect(throws: ConfigRefusal.self, "\(kind) should refuse \"\(text)\"") { _ = try kind.parse(text) }
            }
            #expect((try? kind.parse(kind.example)) != nil, "\(kind) refuses its own example")
        }
    }

    @Test func everyKindOfTheTableIsCoveredAbove() {
        let tested = Set(Self.kinds.map(\.0.typeName))
        #expect(Set(ConfigKeys.all.map(\.kind.typeName)).isSubset(of: tested))
    }

    @Test func everyDeclarationIsConsistent() {
        #expect(ConfigKeys.all.count >= 66)  // the 66 keys read before the table had types, and those added since
        #expect(Set(ConfigKeys.all.map(\.name)).count == ConfigKeys.all.count, "duplicate key names")
        for (property, key) in ConfigKeys.declared {
            let name = key.spec.name
            #expect(key.declarationProblem == nil, "\(key.declarationProblem ?? "")")
            #expect(name.range(of: #"^[a-z]+\.[a-z0-9_]+$"#, options: .regularExpression) != nil, "\(name) is not section.key")
            #expect(property == Self.camelCase(name), "\(name) is declared as \(property), expected \(Self.camelCase(name))")
            #expect(!key.spec.processes.isEmpty, "\(name) names no process that reads it")
            #expect(key.spec.defaultText != nil || key.spec.defaultNote != nil, "\(name) says nothing about its default")
        }
    }

    @Test func theIssueExamplesAreDeclaredWithTheirValues() {
        func choices(_ name: String) -> [String]? {
            if case .choice(let v, _)? = ConfigKeys.byName[name]?.kind { v } else { nil }
        }
        #expect(choices("llm.image_detail") == ["low", "high", "auto", "original"])
        #expect(choices("llm.response_format") == ["json_schema", "json_object"])
        #expect(choices("llm.structured_mode") == ["json_schema", "tool"])
        #expect(choices("llm.provider") == ["rules", "openai", "anthropic"])
        #expect(choices("llm.auth_style") == ["x-api-key", "bearer"])
        #expect(choices("router.mode") == ["paper", "live"])
        #expect(throws: ConfigRefusal.self) { _ = try ConfigKeys.byName["runtime.shutdown_budget_s"]!.kind.parse("0") }
    }

    /// A value `kind` refuses (the Python test derives its own from `candlewick config keys --json`).
    static func badValue(_ kind: ConfigKind) -> String? {
        Self.kinds.first { $0.0 == kind }?.bad.first ?? {
            switch kind {
            case .integer(let r): "\(r.upperBound == Int.max ? r.lowerBound - 1 : r.upperBound + 1)"
            case .number(let min, _, _): "\(min - 1)"
            case .decimal(let min, _, _): "\(min - 1)"
            case .choice: "not-a-choice"
            case .text(let nonEmpty): nonEmpty ? "" : nil
            case .url: "h:1"
            default: Self.kinds.first { $0.0.typeName == kind.typeName }?.bad.first
            }
        }()
    }

    @Test func everyKeyRefusesABadValueNamingFileLineAndKey() throws {
        var covered = 0
        for spec in ConfigKeys.all {
            guard let bad = Self.badValue(spec.kind) else { continue }
            let text = "# header\n\n[\(spec.section)]\n\(spec.name.dropFirst(spec.section.count + 1)) = \(bad)\n"
            #expect { _ = try ConfigFile(text: text, origin: "k.conf", environment: [:]) } throws: { e in
                "\(e)".hasPrefix("k.conf:4: \(spec.name) = ")
            }
            #expect { _ = try ConfigFile(environment: [spec.environmentName: bad]) } throws: { e in
                "\(e)".hasPrefix("environment \(spec.environmentName): \(spec.name) = ")
            }
            // A good value set in the file (the default when it is a fixed value: the example may break a cross-field rule).
            let goodValue = spec.defaultText.flatMap { $0.contains("<") ? nil : $0 } ?? spec.kind.example
            let good = try ConfigFile(text: "[\(spec.section)]\n\(spec.name.dropFirst(spec.section.count + 1)) = \(goodValue)\n",
                                      origin: "g.conf", environment: [:])
            #expect(good.origin(of: spec.name) == "g.conf:2")
            covered += 1
        }
        #expect(covered >= ConfigKeys.all.count - 2)
    }

    @Test func defaultsAndReferencesResolve() throws {
        let c = try ConfigFile(environment: [:])
        #expect(c[\.busDirectory] == BusDirectory.defaultPath)
        #expect(c[\.busPublish] == "ipc://\(BusDirectory.defaultPath)/bus-pub.sock")
        #expect(c[\.trackerSpoolDir] == "runs/.tracker-spool")
        #expect(c[\.riskTickSize] == Decimal(string: "0.01")!)
        #expect(c[\.riskEntryType] == .limit && c[\.riskTif] == .day && c[\.routerMode] == .paper)
        #expect(c[\.runUniverse] == ["AAPL", "GOOG", "MSFT", "SPY"])
        #expect(c[\.routerAccount] == nil && c[\.llmProvider] == nil)
        let d = try ConfigFile(text: "[bus]\ndirectory = /x/y\n[tracker]\ndirectory = out\n[risk]\nentry_type = market\n", origin: "d", environment: [:])
        #expect(d[\.chartJobs] == "ipc:///x/y/chart-jobs.sock")
        #expect(d[\.trackerSpoolDir] == "out/.tracker-spool")
        #expect(d[\.riskEntryType] == .market)
    }

    @Test func crossFieldRulesNameTheKeysThatBreakThem() throws {
        let cases: [(String, [String: String], String)] = [
            ("[router]\nmode = live\n", [:], "f.conf:2 (router.mode): router.mode = live needs router.account"),
            ("[risk]\nmax_order_notional = 30000\n", [:], "f.conf:2 (risk.max_order_notional): risk.max_order_notional (30000) exceeds risk.max_position_notional"),
            ("[risk]\nmax_order_notional = 55000\nmax_position_notional = 60000\n", [:],
             "f.conf:2 (risk.max_order_notional): risk.max_order_notional (55000) exceeds risk.daily_notional_budget"),
            ("[llm]\nprovider = openai\n", [:], "f.conf:2 (llm.provider): llm.provider = openai needs llm.model"),
            ("[run]\npaper_advance_days = 1\n", [:], "f.conf:2 (run.paper_advance_days): run.paper_advance_days = 1 needs ib.paper_admin"),
            ("[chart]\njobs = tcp://h:1\n", ["CANDLEWICK_LLM_JOBS": "tcp://h:1"],
             "f.conf:2 (chart.jobs), environment CANDLEWICK_LLM_JOBS (llm.jobs): chart.jobs and llm.jobs are both tcp://h:1"),
        ]
        for (text, env, expected) in cases {
            #expect { _ = try ConfigFile(text: text, origin: "f.conf", environment: env) } throws: { "\($0)".hasPrefix(expected) }
        }
        _ = try ConfigFile(text: "[router]\nmode = live\naccount = U1\n[llm]\nprovider = rules\n[run]\npaper_advance_days = 1\n[ib]\npaper_admin = h:1\n",
                           origin: "ok.conf", environment: [:])
    }

    @Test func docsConfigMdHasTheCurrentTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/config.md").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let updated = try #require(ConfigDocs.updating(text), "docs/config.md lacks the generated-table markers")
        #expect(updated == text, "docs/config.md is stale: run .build/debug/candlewick config keys --update docs/config.md")
        for spec in ConfigKeys.all { #expect(text.contains("| `\(spec.name)` |")) }
    }

    @Test func theJSONTableListsEveryKeyWithItsType() throws {
        let object = try JSONSerialization.jsonObject(with: Data(try ConfigDocs.json().utf8)) as? [String: Any]
        let keys = try #require(object?["keys"] as? [[String: Any]])
        #expect(keys.map { $0["key"] as? String } == ConfigKeys.all.map(\.name))
        let detail = try #require(keys.first { $0["key"] as? String == "llm.image_detail" })
        #expect(detail["type"] as? String == "enum" && detail["values"] as? [String] == ["low", "high", "auto", "original"])
        #expect(detail["env"] as? String == "CANDLEWICK_LLM_IMAGE_DETAIL" && detail["processes"] as? [String] == ["llm-worker"])
    }

    static func camelCase(_ name: String) -> String {
        let words = name.split(whereSeparator: { $0 == "." || $0 == "_" }).map(String.init)
        return words[0] + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

@Suite("Bus directory")
struct BusDirectoryTests {
    func scratch() throws -> String {
        let base = NSTemporaryDirectory() + "cw-busdir-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        return base
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func aMissingDirectoryIsCreatedPrivate() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dir = base + "/a/bus"
        try BusDirectory.prepare(dir)
        #expect(try mode(dir) == 0o700)
        try BusDirectory.prepare(dir)  // an existing private one is fine
    }

    @Test func aDirectoryOthersMayWriteToIsRefused() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        for m in [0o777, 0o770, 0o702] {
            let dir = base + "/m\(m)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
            chmod(dir, mode_t(m))
            #expect { try BusDirectory.prepare(dir) } throws: { "\($0)".contains("writable by group or others") }
        }
        let fine = base + "/m755"
        try FileManager.default.createDirectory(atPath: fine, withIntermediateDirectories: false)
        chmod(fine, 0o755)
        try BusDirectory.prepare(fine)
    }

    @Test func keyAndTokenDirectoriesAreTightenedNotRefused() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let keys = base + "/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: false)
        chmod(keys, 0o755)
        #expect(try PrivateDirectory.ensure(keys, what: "key directory", whenOpen: .tighten))
        #expect(try mode(keys) == 0o700)
        #expect(try !PrivateDirectory.ensure(keys, what: "key directory", whenOpen: .tighten))  // already private: untouched
        try FileManager.default.createSymbolicLink(atPath: base + "/keylink", withDestinationPath: keys)
        #expect { try PrivateDirectory.ensure(base + "/keylink", what: "key directory", whenOpen: .tighten) } throws: {
            "\($0)".hasPrefix("key directory \(base)/keylink: is not a directory")
        }
        // A socket's directory is only created when missing; an existing one (here 0755) is left as it is.
        try PrivateDirectory.createIfMissing(base + "/sock/a", what: "socket directory")
        #expect(try mode(base + "/sock/a") == 0o700)
        let shared = base + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
        chmod(shared, 0o755)
        try PrivateDirectory.createIfMissing(shared, what: "socket directory")
        #expect(try mode(shared) == 0o755)
    }

    @Test func aLinkOrAFileIsRefused() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: base)
        #expect { try BusDirectory.prepare(base + "/link") } throws: { "\($0)".contains("is not a directory") }
        #expect(FileManager.default.createFile(atPath: base + "/file", contents: Data()))
        #expect { try BusDirectory.prepare(base + "/file") } throws: { "\($0)".contains("is not a directory") }
    }

    @Test(.enabled(if: geteuid() == 0, "only root can give a directory to another user"))
    func aDirectoryOfAnotherUserIsRefused() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dir = base + "/theirs"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        chmod(dir, 0o700)
        #expect(chown(dir, 4242, 4242) == 0)
        #expect { try BusDirectory.prepare(dir) } throws: { "\($0)".contains("is owned by uid 4242") }
    }

    @Test func processesCheckTheBusDirectoryOnlyWhenTheyUseIt() throws {
        let base = try scratch()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let open = base + "/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false)
        chmod(open, 0o777)
        let config = try ConfigFile(environment: ["CANDLEWICK_BUS_DIRECTORY": open])
        let defaults = BusEndpoints.ipc(in: open)
        #expect {
            try ProcessContext.prepareBusDirectory(config: config, process: .tap, endpoints: defaults)
        } throws: { "\($0)".hasPrefix("environment CANDLEWICK_BUS_DIRECTORY: bus directory \(open): is writable by group or others") }
        // ib-paper reads no endpoint; a tap on tcp endpoints never looks at the directory.
        try ProcessContext.prepareBusDirectory(config: config, process: .ibPaper, endpoints: defaults)
        try ProcessContext.prepareBusDirectory(config: config, process: .tap,
                                               endpoints: BusEndpoints(publish: "tcp://127.0.0.1:1", subscribe: "tcp://127.0.0.1:2"))
        // A worker whose bus is on tcp still uses the directory for its default work queues.
        #expect(throws: ConfigError.self) {
            try ProcessContext.prepareBusDirectory(config: config, process: .chartWorker,
                                                   endpoints: BusEndpoints(publish: "tcp://127.0.0.1:1", subscribe: "tcp://127.0.0.1:2"))
        }
    }
}
