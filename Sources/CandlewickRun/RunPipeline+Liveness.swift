import CandlewickCore
import Foundation

/// Liveness and stopping: a needed stage with no live worker past `stageDeadAfter`, or a stop
/// (SIGTERM/SIGINT), ends the run at once with what completed and what was cut short; a job whose
/// attempts run out fails its symbol with the reason.
extension RunPipeline {
    /// True while the run still needs `stage`'s processes.
    func inUse(_ stage: Stage) -> Bool {
        switch stage {
        case .charts: phase == .running && (!dataDone || charts.outstanding > 0)
        case .analysis: phase == .running && settings.analyse
        case .broker: (phase == .running && !dataDone) || (settings.trading && [.running, .ordering, .settling].contains(phase))
        case .orders: settings.trading && (phase == .running || phase == .ordering)
        }
    }

    /// The stop for the needed stages that have had no live worker for longer than `stageDeadAfter`, if any.
    /// A stage is watched from the first heartbeat of one of its workers: a run that cannot hear the
    /// bus (no proxy) keeps to leases and its timeout, as before.
    func deadStages(now: Double) -> RunStop? {
        guard !settings.needs.isEmpty else { return nil }
        var dead: [String] = [], lines: [String] = []
        for stage in Stage.allCases where settings.needs.contains(stage) && inUse(stage) {
            guard let liveUntil = self.liveUntil[stage]?.values.max(), now - liveUntil > settings.stageDeadAfter,
                  let last = lastHeard[stage]?.max(by: { $0.value < $1.value }) else { continue }
            dead.append(stage.rawValue)
            lines.append("stage \(stage.rawValue) has had no live \(stage.process) for \(Self.seconds(now - liveUntil)) s "
                         + "(last heard: \(last.key) at \(Self.seconds(last.value)) s)")
        }
        guard !dead.isEmpty else { return nil }
        return RunStop(code: .stageDead, stages: dead,
                       message: lines.joined(separator: "; ") + "; run stopped (run.stage_dead_s = \(Self.seconds(settings.stageDeadAfter)))")
    }

    /// Ends the run now: every symbol still under way fails as cut short in the stage it was in.
    mutating func stop(_ stop: RunStop, now: Double) -> [Action] {
        guard phase != .closing && phase != .finished, stopped == nil else { return [] }
        var stop = stop
        let failed = Set(failures.map(\.symbol))
        for symbol in settings.universe where !failed.contains(symbol) {
            let id = "\(settings.runId)-\(symbol)"
            let stage: String
            if let s = submissions[symbol], !s.final {
                stage = Stage.orders.rawValue
                submissions[symbol]?.final = true
            } else if chartJobs[id] == nil {
                guard phase == .running, !dataDone else { continue }
                stage = "bars"
            } else if rendered[id] == nil {
                stage = Stage.charts.rawValue
            } else if settings.analyse, signals[id] == nil {
                stage = Stage.analysis.rawValue
            } else {
                continue
            }
            stop.cutShort.append(RunCutShort(symbol: symbol, stage: stage))
            failures.append(RunFailure(symbol, "cut short in stage \(stage): \(stop.summary)"))
        }
        if phase == .settling {
            stop.cutShort.append(RunCutShort(symbol: "(orders)", stage: "broker snapshot"))
            failures.append(RunFailure("(orders)", "cut short before the broker's account of the orders: \(stop.summary)"))
        }
        stopped = stop
        let fields = ["code": stop.code.rawValue, "stages": stop.stages.joined(separator: ","), "cut_short": "\(stop.cutShort.count)",
                      "message": stop.message]
        return [.warn("run.stopped", fields)] + close(now: now)
    }

    /// Records each job whose last attempt expired since the last call as its symbol's failure.
    mutating func giveUp() -> [Action] {
        var actions: [Action] = []
        let given: [(Stage, [String], Double)] = [(.charts, charts.abandoned, settings.lease), (.analysis, analyses.abandoned, settings.lease * 4)]
        for (stage, ids, lease) in given {
            for id in ids where abandonedSeen.insert(id).inserted {
                let symbol = chartJobs[id]?.symbol ?? id
                failures.append(RunFailure(symbol, "\(stage.rawValue) job got no result after \(settings.attempts) attempt(s) "
                                           + "(re-issued \(settings.attempts - 1) time(s), lease \(Self.seconds(lease)) s each)"))
                actions.append(.warn("run.job_given_up", ["stage": stage.rawValue, "job.id": id, "symbol": symbol,
                                                          "attempts": "\(settings.attempts)"]))
            }
        }
        return actions
    }

    /// Seconds for a message, to 0.1 s.
    static func seconds(_ value: Double) -> String { String(format: "%.1f", value) }
}
