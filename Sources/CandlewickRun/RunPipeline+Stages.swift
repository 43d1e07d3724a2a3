import CandlewickBus
import CandlewickCore
import Foundation

/// The stages: bars → chart jobs → analysis jobs → signals.
extension RunPipeline {
    /// A symbol's bars: its chart job, checked against the symbol asked for. `json` (the bytes `data`
    /// was decoded from) and the bars travel only in the job sent; the run keeps the chart window.
    mutating func bars(symbol: String, data: MarketData, json: Data?, now: Double) -> [Action] {
        guard phase == .running else { return [] }
        let id = "\(settings.runId)-\(symbol)"
        guard chartJobs[id] == nil else { return [.warn("run.duplicate_bars", ["symbol": symbol])] }
        let job: ChartJob
        do {
            let checked = try ChartJob(jobId: id, marketData: data, daily: ChartConfig(symbol: symbol, timeframe: .daily),
                                       weekly: ChartConfig(symbol: symbol, timeframe: .weekly),
                                       artifactDir: settings.keepCharts ? (settings.chartsDirectory as NSString).appendingPathComponent(symbol) : nil)
            job = try checked.forwarding(json)
        } catch {
            failures.append(RunFailure(symbol, "\(error)"))
            return []
        }
        chartJobs[id] = KeptChart(symbol: symbol, window: ChartWindow(bars: data.bars, lookback: job.daily.lookbackPeriods))
        // By default a chart job goes out as soon as its bars are in, so drawing overlaps IB's pacing.
        if settings.staged && !dataDone {
            staged.append(job)
            return []
        }
        return charts.submit(id: id, job: job, now: now).map(Self.chartSend)
    }

    mutating func chartResult(_ r: ChartJobResult, pngs: [Data], declared: [String], now: Double) -> [Action] {
        switch charts.complete(id: r.jobId) {
        case .duplicate: return []
        case .unknown: return [.warn("run.unknown_result", ["stage": Stage.charts.rawValue, "job.id": r.jobId])]
        case .accepted: break
        }
        rendered[r.jobId] = r
        var actions = analysisFor(r, pngs: pngs, declared: declared, now: now)
        actions.append(progress(note: r.symbol))
        return actions + charts.refill(now: now).map(Self.chartSend)
    }

    /// The analysis job for a rendered chart, or the symbol's failure.
    mutating func analysisFor(_ r: ChartJobResult, pngs: [Data], declared: [String], now: Double) -> [Action] {
        guard settings.analyse, let kept = chartJobs[r.jobId] else { return [] }
        guard r.status == "ok", let indicators = r.indicators, let close = r.lastClose, pngs.count == 2, let window = kept.window else {
            failures.append(RunFailure(r.symbol, r.error ?? "chart job failed"))
            return []
        }
        // Hashed once here: checked against the envelope, then reused for the analysis job and the tracker.
        let digests = pngs.map { SHA256Digest.hex(of: $0) }
        guard digests == declared else {
            failures.append(RunFailure(r.symbol, "chart PNG attachments do not match the sha256 in their envelope"))
            return []
        }
        let analysis: AnalysisJob
        do {
            analysis = try AnalysisJob(jobId: r.jobId, symbol: r.symbol, lastClose: close, chartLow: window.low, chartHigh: window.high,
                                       indicators: indicators, weeklyIndicators: r.weeklyIndicators)
        } catch {
            failures.append(RunFailure(r.symbol, "\(error)"))
            return []
        }
        let attachments = zip(r.charts, zip(pngs, digests)).map {
            Attachment(name: "\($0.timeframe.rawValue)_chart.png", contentType: "image/png", data: $1.0, sha256: $1.1)
        }
        if settings.track {
            let named = attachments.map {
                Attachment(name: $0.name.hasPrefix("daily") ? SymbolRecord.dailyChartName : SymbolRecord.weeklyChartName,
                           contentType: "image/png", data: $0.data, sha256: $0.sha256)
            }
            chartsForTracking[r.jobId] = (named, chartFiles(r), close, now)
        }
        return analyses.submit(id: r.jobId, job: AnalysisWork(job: analysis, charts: attachments), now: now).map(Self.analysisSend)
    }

    mutating func analysisResult(_ a: AnalysisResult, now: Double) -> [Action] {
        switch analyses.complete(id: a.jobId) {
        case .duplicate: return []
        case .unknown: return [.warn("run.unknown_result", ["stage": Stage.analysis.rawValue, "job.id": a.jobId])]
        case .accepted: break
        }
        signals[a.jobId] = a
        var actions: [Action] = []
        let s = a.signal
        // One order per symbol per run, actionable signals only; shadow signals are recorded, never submitted.
        if settings.trading, s.isActionable, !a.shadow, submissions[s.symbol] == nil {
            do {
                let submission = try SignalSubmission(runId: settings.runId, signal: s, lastPrice: rendered[a.jobId]?.lastClose,
                                                      source: Self.submitterSource)
                submissions[s.symbol] = Submission(submission: submission, firstAt: now, sentAt: now)
                actions.append(.submitSignal(submission))
            } catch {
                failures.append(RunFailure(s.symbol, "signal not submitted: \(error)"))
            }
        }
        if let chart = chartsForTracking.removeValue(forKey: a.jobId) {
            do {
                let symbolRecord = try SymbolRecord(
                    runId: settings.runId, symbol: s.symbol, signal: s, rawAnswer: a.rawAnswer, reasons: a.reasons,
                    llmProvider: s.provider ?? "unknown", llmModel: s.model ?? "unknown", promptVersion: s.promptVersion ?? "unknown",
                    inputTokens: a.inputTokens, outputTokens: a.outputTokens, llmLatencyMs: a.latencyMs, costUsd: a.costUsd, latestPrice: chart.lastClose,
                    stageTimings: ["charts": chart.at, "analysis": max(0, now - chart.at)])
                // Derived from a valid record and checked paths; should it still be refused, the audited record goes out alone.
                let folder = settings.runFolder.map { ($0 as NSString).lastPathComponent }.flatMap { LiveSymbolRecord.plainSegment($0) ? $0 : nil }
                let live = try? LiveSymbolRecord(symbolRecord, runFolder: folder, chartFiles: folder == nil ? [:] : chart.files)
                actions += record(.symbol(symbolRecord, charts: chart.pngs), live: live)
            } catch {
                actions.append(.warn("run.tracking_invalid", ["symbol": s.symbol, "error": "\(error)"]))
            }
        }
        actions.append(progress(note: s.symbol))
        return actions + analyses.refill(now: now).map(Self.analysisSend)
    }

    /// Where a chart job's PNGs were written, relative to the run folder (`daily` / `weekly` → path); empty when the run
    /// has no folder or a chart was written outside it.
    func chartFiles(_ r: ChartJobResult) -> [String: String] {
        guard let folder = settings.runFolder.map({ ($0 as NSString).standardizingPath + "/" }) else { return [:] }
        var files: [String: String] = [:]
        for chart in r.charts {
            guard let path = chart.filePath.map({ ($0 as NSString).standardizingPath }), path.hasPrefix(folder) else { continue }
            let relative = String(path.dropFirst(folder.count))
            if LiveSymbolRecord.relativePath(relative) != nil { files[chart.timeframe.rawValue] = relative }
        }
        return files
    }

    func progress(note: String) -> Action {
        let total = settings.universe.count * (settings.analyse ? 2 : 1)
        return .progress(done: rendered.count + signals.count, total: total, note: note)
    }

    static func chartSend(_ s: StageQueue<ChartJob>.Send) -> Action { .sendChartJob(s.job, attempt: s.attempt) }
    static func analysisSend(_ s: StageQueue<AnalysisWork>.Send) -> Action {
        .sendAnalysisJob(s.job.job, charts: s.job.charts, attempt: s.attempt)
    }
}
