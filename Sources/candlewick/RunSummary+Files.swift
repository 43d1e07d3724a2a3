import CandlewickCore
import CandlewickRun
import Foundation

/// A run folder's file that is missing or does not hold what `RunSummary.write(folder:)` writes.
struct RunFilesError: Error, CustomStringConvertible {
    let file: String
    let problem: String
    var description: String { "\(file): \(problem)" }
}

extension RunSummary {
    /// A run's summary read back from the files `write(folder:)` left in its folder: summary.json (symbols in their
    /// order, failures, totals, stage timings, the broker's confirmation, the stop), each symbol's
    /// `signals/<SYMBOL>/analysis.json`, and, when the run sent orders, orders.json, trades.json and portfolio.json.
    /// Enough to write the same report.html again.
    init(folder: String) throws {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        func read(_ name: String) throws -> Data {
            guard let data = FileManager.default.contents(atPath: path(name)) else { throw RunFilesError(file: path(name), problem: "missing or unreadable") }
            return data
        }
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            do { return try CandlewickJSON.decoder().decode(type, from: try read(name)) } catch let e as RunFilesError { throw e } catch {
                throw RunFilesError(file: path(name), problem: "not a \(type) as the run writes it (\(error))")
            }
        }
        let file = path("summary.json")
        let data = try read("summary.json")
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RunFilesError(file: file, problem: "not a JSON object")
        }
        func field<T>(_ key: String, _ value: Any?, as type: T.Type) throws -> T {
            guard let v = value as? T else { throw RunFilesError(file: file, problem: "`\(key)` missing or not a \(type)") }
            return v
        }
        let symbols = try field("symbols", object["symbols"], as: [[String: Any]].self)
        let totals = try field("totals", object["totals"], as: [String: Any].self)
        runId = try field("run_id", object["run_id"], as: String.self)
        signals = try symbols.map { s in
            let symbol = try field("symbols[].symbol", s["symbol"], as: String.self)
            return try decode(AnalysisResult.self, "signals/\(symbol)/analysis.json")
        }
        failures = try field("failures", object["failures"], as: [[String: String]].self).map { f in
            RunFailure(try field("failures[].symbol", f["symbol"], as: String.self), try field("failures[].reason", f["reason"], as: String.self))
        }
        reissued = try field("totals.reissued", totals["reissued"], as: Int.self)
        duplicates = try field("totals.duplicates", totals["duplicates"], as: Int.self)
        stageSeconds = try field("stage_seconds", object["stage_seconds"], as: [String: Double].self)
        if let s = object["stopped"] as? [String: Any] {
            let code = try field("stopped.code", s["code"], as: String.self)
            guard let c = RunStop.Code(rawValue: code) else { throw RunFilesError(file: file, problem: "`stopped.code` \(code) is not a stop code") }
            let cut = try field("stopped.cut_short", s["cut_short"], as: [[String: String]].self)
            stop = RunStop(code: c, stages: try field("stopped.stages", s["stages"], as: [String].self),
                           message: try field("stopped.message", s["message"], as: String.self),
                           cutShort: cut.compactMap { c in c["symbol"].flatMap { sym in c["stage"].map { RunCutShort(symbol: sym, stage: $0) } } })
        } else {
            stop = nil
        }
        guard FileManager.default.fileExists(atPath: path("orders.json")) else {
            orders = nil
            return
        }
        var o = RunOrders()
        for d in try decode([RouterDecision].self, "orders.json") { o.decisions[d.symbol] = d }
        for t in try decode([Trade].self, "trades.json") { o.fills[t.symbol] = t }
        if FileManager.default.fileExists(atPath: path("portfolio.json")) { o.portfolio = try decode(Portfolio.self, "portfolio.json") }
        let summaryOrders = try field("orders", object["orders"], as: [String: Any].self)
        o.paperDay = (summaryOrders["paper_clock"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        if summaryOrders["confirmed_at_ib"] is Int {
            o.confirmed = Set(symbols.compactMap { s in ((s["router"] as? [String: Any])?["confirmed_at_ib"] as? Bool) == true ? s["symbol"] as? String : nil })
        }
        orders = o
    }
}
