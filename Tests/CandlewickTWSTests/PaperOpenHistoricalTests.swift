import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS

/// IB "Historical Data Limitations": at most 50 simultaneously open historical requests; the 51st → 322.
@Suite struct PaperOpenHistoricalTests {
    final class Conn {}
    static let bars: [TWSEvent] = [.currentTime(1)]

    static func refusal(_ a: PaperOpenHistorical.Admission) -> TWSError? {
        if case .refused(.error(let e)) = a { e } else { nil }
    }

    @Test func fiftyOpenAcrossConnectionsThenThe51stGets322() {
        var hmds = PaperOpenHistorical()
        hmds.holding = true
        let a = Conn(), b = Conn()
        for i in 0..<25 {
            #expect(hmds.admit(connection: ObjectIdentifier(a), reqId: i, answer: Self.bars) == .opened)
            #expect(hmds.admit(connection: ObjectIdentifier(b), reqId: i, answer: Self.bars) == .opened)
        }
        #expect(hmds.open.count == 50)
        let e = Self.refusal(hmds.admit(connection: ObjectIdentifier(a), reqId: 99, answer: Self.bars))
        #expect(e?.id == 99 && e?.code == 322)
        #expect(e?.message == "Error processing request:-'bS' : cause - Only 50 simultaneous API historical data requests allowed.")
        #expect(hmds.open.count == 50, "a refused request is not opened")
        // A cancel frees a slot: IB's 162 "query cancelled", then the next request opens.
        let cancelled = hmds.cancel(connection: ObjectIdentifier(b), reqId: 3)
        #expect(cancelled == PaperErrors.err(3, 162, "Historical Market Data Service error message:API historical data query cancelled: 3"))
        #expect(hmds.cancel(connection: ObjectIdentifier(b), reqId: 3) == nil, "not open any more: the caller answers 366")
        #expect(hmds.admit(connection: ObjectIdentifier(a), reqId: 99, answer: Self.bars) == .opened)
    }

    @Test func duplicateOpenIdOnOneConnectionGets322() {
        var hmds = PaperOpenHistorical()
        hmds.holding = true
        let a = Conn(), b = Conn()
        #expect(hmds.admit(connection: ObjectIdentifier(a), reqId: 7, answer: Self.bars) == .opened)
        #expect(hmds.admit(connection: ObjectIdentifier(b), reqId: 7, answer: Self.bars) == .opened, "ids are per connection")
        let e = Self.refusal(hmds.admit(connection: ObjectIdentifier(a), reqId: 7, answer: Self.bars))
        #expect(e?.code == 322 && e?.message.hasSuffix("Duplicate ticker ID for API historical data query") == true)
    }

    @Test func releaseAnswersInOrderAndDropForgetsAClosedConnection() {
        var hmds = PaperOpenHistorical()
        #expect(hmds.admit(connection: ObjectIdentifier(Conn()), reqId: 1, answer: Self.bars) == .answerNow, "not holding: answered at once")
        hmds.holding = true
        let a = Conn(), b = Conn()
        _ = hmds.admit(connection: ObjectIdentifier(a), reqId: 1, answer: Self.bars)
        _ = hmds.admit(connection: ObjectIdentifier(b), reqId: 2, answer: Self.bars)
        _ = hmds.admit(connection: ObjectIdentifier(a), reqId: 3, answer: Self.bars)
        hmds.drop(connection: ObjectIdentifier(b))
        #expect(hmds.release().map(\.reqId) == [1, 3])
        #expect(hmds.open.isEmpty && !hmds.holding)
    }
}
