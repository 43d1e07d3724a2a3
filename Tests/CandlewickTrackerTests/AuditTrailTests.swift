import CandlewickBus
import CandlewickCore
import Foundation
import Testing

@testable import CandlewickTracker

/// The audit trail's gap and completeness rules, and the planner's parent status built on them.
@Suite struct AuditTrailTests {
    static let t0 = PlannerTests.t0
    static let outbox = "/runs/r1/outbox"

    static func at(_ seq: Int, symbols: [String]? = nil) throws -> TrailPosition {
        try TrailPosition(seq: seq, outbox: outbox, symbols: symbols)
    }

    static func started(_ seq: Int = 1) throws -> RunStarted {
        try RunStarted(runId: "r1", symbols: ["AAPL", "MSFT"], params: ["position_size": "10"], startedAt: t0, trail: at(seq))
    }

    static func symbol(_ name: String, _ seq: Int) throws -> SymbolRecord { try PlannerTests.record(name).at(at(seq)) }

    static func finished(_ seq: Int, _ symbols: [String] = ["AAPL", "MSFT"], status: RunEndStatus = .finished) throws -> RunFinished {
        try RunFinished(runId: "r1", status: status, totals: [:], finishedAt: t0, trail: at(seq, symbols: symbols))
    }

    @Test func aWholeTrailInAnyOrderIsComplete() throws {
        var trail = AuditTrail()
        trail.note(try Self.finished(4))
        #expect(trail.hasGap("r1"))
        #expect(trail.runs["r1"]?.missingRecords == [1, 2, 3])
        #expect(trail.runs["r1"]?.missingSymbols == ["AAPL", "MSFT"])
        trail.note(try Self.symbol("MSFT", 3))
        trail.note(try Self.started())
        #expect(trail.runs["r1"]?.missingSummary == "records 2 of 4; symbols AAPL")
        trail.note(try Self.symbol("AAPL", 2))
        #expect(trail.runs["r1"]?.isComplete == true)
        #expect(!trail.hasGap("r1"))
        #expect(trail.runs["r1"]?.missingSummary == "none")
        #expect(trail.incompleteWithOutbox.isEmpty)
    }

    @Test func holesBelowTheHighestNumberAreGapsTheEndIsUnknownUntilFinished() throws {
        var trail = AuditTrail()
        trail.note(try Self.started())
        #expect(!trail.hasGap("r1"))  // nothing missing yet, only the end unknown
        #expect(trail.runs["r1"]?.isComplete == false)
        trail.note(try Self.symbol("MSFT", 3))
        #expect(trail.hasGap("r1"))
        #expect(trail.runs["r1"]?.missingSummary == "run.finished (records after 3 unknown); records 2 of 3")
        #expect(trail.incompleteWithOutbox.map(\.outbox) == [Self.outbox])
    }

    @Test func recordsWithoutATrailAreNotCounted() throws {
        var trail = AuditTrail()
        #expect(trail.note(try RunStarted(runId: "r1", symbols: [], startedAt: Self.t0)) == nil)
        #expect(trail.note(try Portfolio(cash: 1, positions: [], timestamp: Self.t0)) == nil)
        #expect(trail.runs.isEmpty)
    }

    @Test func aTrailPositionRefusesNonsense() {
        #expect(throws: (any Error).self) { try TrailPosition(seq: 0, outbox: nil) }
        #expect(throws: (any Error).self) { try TrailPosition(seq: 1, outbox: "runs/relative") }
    }

    static func finishes(_ ops: [TrackingOp]) -> [String] {
        ops.compactMap { op -> String? in if case .finish(let r, let s, _) = op { return "\(r) \(s)" } else { return nil } }
    }

    static func auditTags(_ ops: [TrackingOp]) -> [String: String] {
        var tags: [String: String] = [:]
        for case .log(.pipeline, let b) in ops { for t in b.tags where t.key.hasPrefix("candlewick.audit") { tags[t.key] = t.value } }
        return tags
    }

    @Test func aParentIsFinishedOnlyWithEveryRecordAndBecomesCompleteWhenTheRestArrives() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try PlannerTests.event(1, Self.started()))
        _ = planner.plan(try PlannerTests.event(2, Self.symbol("AAPL", 2)))
        // MSFT's record (3) was missed: the end marks the parent FAILED and says what is missing.
        let end = planner.plan(try PlannerTests.event(3, Self.finished(4)))
        #expect(Self.finishes(end) == ["r1/AAPL FINISHED", "r1 FAILED"])
        #expect(Self.auditTags(end) == ["candlewick.audit": "incomplete", "candlewick.audit_missing": "records 3 of 4; symbols MSFT"])
        // It is read back from the outbox later: its child finishes and the parent is FINISHED, complete.
        let late = planner.plan(try PlannerTests.event(4, Self.symbol("MSFT", 3)))
        #expect(Self.finishes(late) == ["r1/MSFT FINISHED", "r1 FINISHED"])
        #expect(Self.auditTags(late) == ["candlewick.audit": "complete", "candlewick.audit_missing": "none"])
    }

    @Test func anIncompleteFinishedRunIsAnAlertUntilItsTrailIsWhole() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try PlannerTests.event(1, Self.started()))
        _ = planner.plan(try PlannerTests.event(2, Self.symbol("AAPL", 2)))
        #expect(planner.incompleteAudits().isEmpty, "a run still going is not an alert")
        _ = planner.plan(try PlannerTests.event(3, Self.finished(4)))
        let alerts = planner.incompleteAudits()
        #expect(alerts.map(\.kind) == ["audit_incomplete"] && alerts.map(\.id) == ["r1"])
        #expect(alerts.first?.detail.contains("records 3 of 4; symbols MSFT") == true)
        #expect(planner.incompleteAudits(limit: 0).isEmpty)
        _ = planner.plan(try PlannerTests.event(4, Self.symbol("MSFT", 3)))
        #expect(planner.incompleteAudits().isEmpty)
        // A run without numbered records has no audit trail to be incomplete.
        _ = planner.plan(try PlannerTests.event(5, RunFinished(runId: "r2", status: .finished, totals: [:], finishedAt: Self.t0)))
        #expect(planner.incompleteAudits().isEmpty)
    }

    @Test func aRunThatFailedStaysFailedWhenComplete() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try PlannerTests.event(1, Self.started()))
        let end = planner.plan(try PlannerTests.event(2, Self.finished(2, [], status: .failed)))
        #expect(Self.finishes(end) == ["r1 FAILED"])
        #expect(Self.auditTags(end)["candlewick.audit"] == "complete")
    }

    @Test func aStartReadBackAfterItsSymbolsGivesThemThePositionSize() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try PlannerTests.event(1, Self.symbol("AAPL", 2)))
        let ops = planner.plan(try PlannerTests.event(2, Self.started()))
        let child = RunRef.symbol(runId: "r1", symbol: "AAPL")
        #expect(ops.contains(.log(child, LogBatch(params: [MLflowParam("position_size", "10")]))))
    }

    @Test func unnumberedRunsKeepTheirStatusWithoutAuditTags() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try PlannerTests.event(1, RunStarted(runId: "r1", symbols: ["AAPL"], startedAt: Self.t0)))
        let end = planner.plan(try PlannerTests.event(2, RunFinished(runId: "r1", status: .finished, finishedAt: Self.t0)))
        #expect(Self.finishes(end) == ["r1 FINISHED"])
        #expect(Self.auditTags(end).isEmpty)
    }

    @Test func localReportSaysTheTrailIsIncomplete() {
        var folder = LocalRunFolder(runId: "r1", pipeline: LocalRun(name: "r1", startTime: 0))
        folder.pipeline.status = "FAILED"
        folder.pipeline.tags = ["candlewick.audit": "incomplete", "candlewick.audit_missing": "records 3 of 6; symbols MSFT"]
        let html = LocalReport.html(folder, folder: "/nonexistent")
        #expect(html.contains("<b>Audit trail incomplete</b> — missing: records 3 of 6; symbols MSFT"))
        folder.pipeline.tags = ["candlewick.audit": "complete", "candlewick.audit_missing": "none"]
        #expect(!LocalReport.html(folder, folder: "/nonexistent").contains("incomplete</b>"))
    }
}
