import CandlewickCore
import CandlewickRouter
import Foundation
import Logging
import Testing
@testable import CandlewickPaper

/// The router and ib-paper's matching engine on real bars: SPY from deploy/data/daily, as served by ib-paper.
@Suite("Order router against ib-paper's matching engine: bundled data")
struct RouterPaperEngineDataTests {
    /// SPY as ib-paper's loader reads it (the file alone in a directory of its own: the other symbols are not needed).
    static func spy() throws -> [PaperInstrument] {
        let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/data/daily/SPY.csv")
        let dir = URL(fileURLWithPath: tempPath("data"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: csv, to: dir.appendingPathComponent("SPY.csv"))
        return try PaperMarket.load(directory: dir.path, logger: Logger(label: "test"))
    }

    /// 2008-09-26 closes at 120.85. The BUY LMT 120.85 fills at the next open (119.14, below the limit); the stop at 115
    /// is gapped through on 2008-09-30 and fills at that open. Nothing here is hand-picked but the day: prices, fills and
    /// commissions are the data's and the engine's.
    @Test("a bracket on SPY's bars of September 2008 runs to its stop: the router's realised P&L is the engine's, counted once")
    func bracketOnRealBars() async throws {
        let engine = PaperEngineBroker(instruments: try Self.spy(), asOf: 20080926)
        let path = tempPath("intents.jsonl")
        let router = try makeRouter(path, engine)
        #expect(await router.reconcile(reason: "start"))
        let signal = try buySignal("SPY", entry: Decimal(string: "120.85")!, stop: 115, target: 127, id: "1")
        let plan = try #require(await router.submit(try SignalSubmission(runId: "r", signal: signal, lastPrice: Decimal(string: "120.85")!,
                                                                         source: "test")).plan)
        var days = 0
        while engine.orders.contains(where: { !$0.status.isDone }), days < 10 {
            #expect(await engine.nextDay(router))
            days += 1
        }
        let legs = engine.orders.filter { IntentId.intent(ofRef: $0.order.orderRef) == plan.intentId }
        #expect(legs.map(\.status) == [.filled, .cancelled, .filled], "entry, then the stop; the take-profit cancelled by OCA")
        #expect(legs.first?.avgFillPrice == Decimal(string: "119.139999"), "the entry fills at the open below its limit")
        #expect(days == 2 && engine.realizedPnL < 0)
        #expect(await router.gate.dailyRealizedPnl == engine.realizedPnL)
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled)
        #expect(await router.reconcile(reason: "after the exit"))
        #expect(await router.gate.dailyRealizedPnl == engine.realizedPnL, "the snapshot's executions are not counted again")
    }
}
