import CandlewickCore
import Foundation
import Logging
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// ib-paper's simulated now and the admin commands `setdate` / `reset` (docs/tws.md §3), on the bundled data.
@Suite(.serialized) struct PaperSimulatedClockTests {
    static func server(asOf: PaperDay? = 20171004) throws -> PaperServer {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var config = PaperConfig(dataDirectory: root.appendingPathComponent("deploy/data/daily").path)
        config.stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("paper-clock-\(UUID().uuidString)").path
        config.asOf = asOf
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "ib-paper-test")
        logger.logLevel = .critical
        return try PaperServer(config: config, logger: logger)
    }

    static func admin(_ s: PaperServer, _ line: String) -> String { PaperAdmin(server: s, fd: -1).reply(line) }

    /// A bracket for AAPL as gateway-bridge sends it: BUY MKT 10 (DAY) with GTC take-profit +20 % and stop −20 %.
    static func placeBracket(_ s: PaperServer, firstId: Int) {
        let c = TWSContract(symbol: "AAPL")
        let legs = [TWSOrder(action: "BUY", totalQuantity: 10, orderType: "MKT", tif: "DAY", transmit: false),
                    TWSOrder(action: "SELL", totalQuantity: 10, orderType: "LMT", lmtPrice: 185, tif: "GTC", transmit: false, parentId: firstId),
                    TWSOrder(action: "SELL", totalQuantity: 10, orderType: "STP", auxPrice: 125, tif: "GTC", parentId: firstId)]
        s.lock.withLock {
            for (i, o) in legs.enumerated() {
                s.deliverLocked(s.broker.place(TWSPlaceOrder(orderId: firstId + i, contract: c, order: o), clientId: 1))
            }
        }
    }

    static func utc(_ iso: String) -> Date { UTCTimestamp.parse(iso)! }

    @Test func closeInstantIsTheRegularCloseInNewYork() {
        #expect(PaperServer.closeInstant(20171004) == Self.utc("2017-10-04T20:00:00Z"))  // EDT
        #expect(PaperServer.closeInstant(20171204) == Self.utc("2017-12-04T21:00:00Z"))  // EST
        #expect(PaperServer.closeInstant(20171124) == Self.utc("2017-11-24T18:00:00Z"))  // day after Thanksgiving: 13:00
        #expect(PaperServer.simulatedTime(asOf: 20171004, elapsed: 90) == Self.utc("2017-10-04T20:01:30Z"))
    }

    @Test func nowIsTheAsOfCloseAndFollowsTheDay() throws {
        let s = try Self.server()
        let close = try #require(PaperServer.closeInstant(20171004))
        let now = s.simulatedNow
        #expect(now >= close && now < close.addingTimeInterval(60))
        #expect(Self.admin(s, "advance 1") == "ok as_of=20171005")
        let next = s.simulatedNow
        #expect(next >= close.addingTimeInterval(86_400) && next < close.addingTimeInterval(86_400 + 60))
        #expect(Self.admin(s, "now").hasPrefix("now=\(Int64(close.timeIntervalSince1970) + 86_400)"))
    }

    @Test func setdateMatchesDayByDayExactlyLikeAdvance() throws {
        let a = try Self.server(), b = try Self.server()
        for s in [a, b] { Self.placeBracket(s, firstId: 1) }
        #expect(Self.admin(a, "advance 40") == "ok as_of=20171130")
        #expect(Self.admin(b, "setdate 20171130") == "ok as_of=20171130")
        let (sa, sb) = (a.lock.withLock { a.broker.state }, b.lock.withLock { b.broker.state })
        #expect(sa.orders == sb.orders && sa.fills == sb.fills && sa.positions == sb.positions && sa.cash == sb.cash)
        #expect(sa.fills.count >= 1, "the entry filled on the first day")
        #expect(Self.admin(b, "setdate 20171130") == "ok as_of=20171130", "the same day: nothing to do")
    }

    @Test func setdateRefusesThePastNonTradingDaysAndTheEndOfData() throws {
        let s = try Self.server()
        let refusals = [("setdate 20171003", "before as_of=20171004"), ("setdate 20171007", "not a trading day"),
                        ("setdate 20990102", "past the end of data"), ("setdate 2017-10-05", "usage"), ("setdate 20171332", "usage"),
                        ("setdate", "usage")]
        for (line, why) in refusals {
            let answer = Self.admin(s, line)
            #expect(answer.hasPrefix("error: ") && answer.contains(why), "\(line) → \(answer)")
        }
        #expect(s.asOf == 20171004)
    }

    @Test func resetStartsAFreshAccountWithoutReusingIdsAndSavesIt() throws {
        let s = try Self.server()
        Self.placeBracket(s, firstId: 5)
        #expect(Self.admin(s, "advance 2") == "ok as_of=20171006")
        let before = s.lock.withLock { s.broker.state }
        #expect(!before.fills.isEmpty && !before.positions.isEmpty && before.cash != before.startingCash)
        #expect(Self.admin(s, "reset") == "ok as_of=20171004")
        let after = s.lock.withLock { s.broker.state }
        #expect(after.orders.isEmpty && after.fills.isEmpty && after.positions.isEmpty && after.cash == before.startingCash)
        #expect(after.nextValidId(clientId: 1) == 8 && after.nextValidId(clientId: 2) == 8, "ids 5…7 are never handed out again")
        #expect(after.nextPermId == before.nextPermId && after.nextExecSeq == before.nextExecSeq)
        let saved = try #require(try PaperStateStore(directory: s.config.stateDirectory).load())
        #expect(saved.asOf == 20171004 && saved.orders.isEmpty && saved.orderIdFloor == 7)
        #expect(Self.admin(s, "reset 20180102") == "ok as_of=20180102")
        #expect(Self.admin(s, "reset 20180101").contains("not a trading day"))
        #expect(Self.admin(s, "reset x y").hasPrefix("error: usage"))
        #expect(s.asOf == 20180102)
    }

    @Test func unknownCommandListsTheNewOnes() throws {
        let s = try Self.server()
        let help = Self.admin(s, "jump")
        #expect(help.hasPrefix("error: unknown command") && help.contains("setdate YYYYMMDD") && help.contains("reset [YYYYMMDD]"))
    }
}
