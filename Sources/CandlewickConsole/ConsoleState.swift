import CandlewickCore
import Foundation

/// What the console knows, built only from bus messages: processes (latest heartbeat each), the
/// current run (its records, each symbol's signal and charts, the router's decision per symbol),
/// orders, fills, the portfolio and the trading state. Pure: no I/O, the time is passed in.
public struct ConsoleState: Sendable {
    /// The latest heartbeat of one instance and when it arrived.
    public struct ProcessEntry: Sendable {
        public let heartbeat: Heartbeat
        public let receivedAt: Date
        /// The heartbeat as the page shows it, encoded once on arrival: without `metrics` (up to 256 KiB of Prometheus
        /// text the page never shows; `/metrics` serves it), so the once-a-second process list stays small.
        let pageJSON: Data
        /// Silent for more than three heartbeat intervals: presumed dead.
        public func isStale(at now: Date) -> Bool { now.timeIntervalSince(receivedAt) > heartbeat.intervalS * 3 }
    }

    /// The run being watched: the latest `run.started` and what followed it.
    public struct RunEntry: Sendable {
        public let runId: String
        public let symbols: [String]
        public var startedJSON: Data
        public var finishedJSON: Data?
        /// Symbol → its `live.symbol` record as shown (chart links added).
        public var records: [String: Data] = [:]
        /// Symbol → timeframe → where its chart is in the runs directory (path segments: the run folder, then the file's).
        public var chartFiles: [String: [String: [String]]] = [:]
        /// Stage name → number of symbols whose record has a timing for it.
        public var stageCounts: [String: Int] = [:]
        /// Symbol → the router's latest decision on it in this run.
        public var decisions: [String: Data] = [:]
    }

    /// An update to push to open pages: the section it belongs to, an optional key inside it, the new value.
    public struct Update: Sendable, Equatable {
        public let section: String
        public let key: String?
        public let value: Data
    }

    /// How many orders and fills are kept (the newest win).
    public static let maxOrders = 500
    public static let maxTrades = 200

    public private(set) var processes: [String: ProcessEntry] = [:]
    public private(set) var run: RunEntry?
    /// order_ref → the order's latest `order.update`.
    public private(set) var orders: [String: Data] = [:]
    private var orderArrival: [String] = []
    public private(set) var trades: [Data] = []
    public private(set) var portfolio: Data?
    public private(set) var tradingState: Data?

    /// An empty model: nothing heard yet.
    public init() {}

    /// Takes one bus message in; returns what changed for the page, or nil when the message is not one the console shows
    /// (or belongs to a run other than the one being watched).
    public mutating func apply(type: String, runId: String?, payload: any BusPayload, receivedAt: Date) -> [Update] {
        switch payload {
        case let hb as Heartbeat:
            processes[hb.instance] = ProcessEntry(heartbeat: hb, receivedAt: receivedAt, pageJSON: Self.pageJSON(hb))
            return [Update(section: "processes", key: nil, value: processesJSON(now: receivedAt))]
        case let started as RunStarted:
            run = RunEntry(runId: started.runId, symbols: started.symbols, startedJSON: Self.json(started))
            return [Update(section: "run", key: nil, value: runJSON())]
        case let record as LiveSymbolRecord:
            guard run?.runId != record.runId else { return addRecord(record) }
            // A record of a run whose start the console missed (started before it): watch that run from here on.
            run = RunEntry(runId: record.runId, symbols: [], startedJSON: Data("{\"run_id\":\(Self.quoted(record.runId))}".utf8))
            return [Update(section: "run", key: nil, value: runJSON())] + addRecord(record)
        case let finished as RunFinished:
            guard run?.runId == finished.runId else { return [] }
            run?.finishedJSON = Self.json(finished)
            return [Update(section: "run", key: nil, value: runJSON())]
        case let decision as RouterDecision:
            let value = Self.json(decision)
            guard run?.runId == decision.runId else { return [Update(section: "decision", key: decision.symbol, value: value)] }
            run?.decisions[decision.symbol] = value
            return [Update(section: "decision", key: decision.symbol, value: value), progressUpdate()]
        case let order as Order:
            return putOrder(order.orderRef ?? order.brokerOrderId.map { "ib-\($0)" } ?? "order-\(orderArrival.count)", Self.json(order))
        case let order as BrokerOrder:
            return putOrder(order.orderRef, Self.json(order))
        case let execution as TradeExecution:
            return addTrade(Self.json(execution))
        case let trade as Trade:
            return addTrade(Self.json(trade))
        case let p as Portfolio:
            portfolio = Self.json(p)
            return [Update(section: "portfolio", key: nil, value: portfolio!)]
        case let state as TradingStateReport:
            return setTradingState(state)
        default:
            return []
        }
    }

    /// Records the router's trading state (from the bus, or from the answer to a command).
    public mutating func setTradingState(_ state: TradingStateReport) -> [Update] {
        tradingState = Self.json(state)
        return [Update(section: "trading", key: nil, value: tradingState!)]
    }

    private mutating func putOrder(_ ref: String, _ value: Data) -> [Update] {
        if orders[ref] == nil { orderArrival.append(ref) }
        orders[ref] = value
        while orderArrival.count > Self.maxOrders { orders[orderArrival.removeFirst()] = nil }
        return [Update(section: "order", key: ref, value: value)]
    }

    private mutating func addTrade(_ value: Data) -> [Update] {
        trades.append(value)
        if trades.count > Self.maxTrades { trades.removeFirst(trades.count - Self.maxTrades) }
        return [Update(section: "trade", key: nil, value: value)]
    }

    /// Keeps a symbol's record as the page shows it: the payload's JSON, encoded once, with `"charts"` (timeframe → the
    /// console's URL for it) spliced in before its closing brace, and where each chart is in the runs directory.
    private mutating func addRecord(_ record: LiveSymbolRecord) -> [Update] {
        guard var current = run else { return [] }
        var links: [String] = []
        var files: [String: [String]] = [:]
        for timeframe in LiveSymbolRecord.timeframes {
            guard let folder = record.runFolder, let relative = record.chartFiles[timeframe].flatMap(LiveSymbolRecord.relativePath) else { continue }
            files[timeframe] = [folder] + relative
            links.append("\(Self.quoted(timeframe)):\(Self.quoted(Self.chartPath(runId: record.runId, symbol: record.symbol, timeframe: timeframe)))")
        }
        if current.records[record.symbol] == nil {
            for stage in record.stageTimings.keys { current.stageCounts[stage, default: 0] += 1 }
        }
        var value = Self.json(record)
        if value.last == UInt8(ascii: "}") {
            value.removeLast()
            value.append(contentsOf: Data("\(value.count > 1 ? "," : "")\"charts\":{\(links.joined(separator: ","))}}".utf8))
        }
        current.records[record.symbol] = value
        current.chartFiles[record.symbol] = files
        run = current
        return [Update(section: "symbol", key: record.symbol, value: value), progressUpdate()]
    }

    /// The watched run's progress alone, keyed by its run id: what a record or a decision changes. Not the whole
    /// `runJSON()`, whose `started` carries the run's symbol list (about 4 KB at 500 symbols, sent 1,000 times a run).
    private func progressUpdate() -> Update {
        Update(section: "progress", key: run?.runId, value: progressJSON())
    }

    /// Where the chart of (run, symbol, timeframe) is in the runs directory (path segments), or nil when the run is not
    /// the one watched or its record names no such chart.
    public func chartFile(runId: String, symbol: String, timeframe: String) -> [String]? {
        guard let run, run.runId == runId else { return nil }
        return run.chartFiles[symbol]?[timeframe]
    }

    /// The URL path the page loads a chart from.
    public static func chartPath(runId: String, symbol: String, timeframe: String) -> String {
        "/charts/\(percentEncoded(runId))/\(percentEncoded(symbol))/\(timeframe).png"
    }

    private static func percentEncoded(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? s
    }

    /// The processes, sorted by instance, each with its heartbeat, age in seconds and whether it is stale at `now`.
    public func processesJSON(now: Date) -> Data {
        let rows = processes.values.sorted { $0.heartbeat.instance < $1.heartbeat.instance }.map { entry -> String in
            let age = max(0, now.timeIntervalSince(entry.receivedAt))
            return "{\"heartbeat\":\(String(decoding: entry.pageJSON, as: UTF8.self)),\"age_s\":\(Self.number(age)),\"stale\":\(entry.isStale(at: now))}"
        }
        return Data("[\(rows.joined(separator: ","))]".utf8)
    }

    /// The run's header and progress: `{"started":…, "finished":…, "progress":{"total","recorded","decided","stages":{…}}}`, or `null`.
    public func runJSON() -> Data {
        guard let run else { return Data("null".utf8) }
        let finished = run.finishedJSON.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        return Data("""
            {"run_id":\(Self.quoted(run.runId)),"started":\(String(decoding: run.startedJSON, as: UTF8.self)),"finished":\(finished),\
            "progress":\(String(decoding: progressJSON(), as: UTF8.self))}
            """.utf8)
    }

    /// The watched run's progress: `{"total","recorded","decided","stages":{…}}`, or `null`.
    public func progressJSON() -> Data {
        guard let run else { return Data("null".utf8) }
        let stages = run.stageCounts.sorted { $0.key < $1.key }.map { "\(Self.quoted($0.key)):\($0.value)" }.joined(separator: ",")
        return Data("""
            {"total":\(run.symbols.count),"recorded":\(run.records.count),"decided":\(run.decisions.count),"stages":{\(stages)}}
            """.utf8)
    }

    /// Everything at once, for a page that has just connected. `confirm`: the actions the page must have the operator
    /// confirm before sending.
    public func snapshotJSON(now: Date, pastRuns: Data, actions: [String], confirm: [String] = [], operatorEnabled: Bool) -> Data {
        func object(_ d: [String: Data]) -> String {
            "{" + d.sorted { $0.key < $1.key }.map { "\(Self.quoted($0.key)):\(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: ",") + "}"
        }
        func list(_ items: [Data]) -> String { "[" + items.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]" }
        let text = """
            {"now":\(Self.quoted(UTCTimestamp.format(now))),"processes":\(String(decoding: processesJSON(now: now), as: UTF8.self)),\
            "run":\(String(decoding: runJSON(), as: UTF8.self)),"symbols":\(object(run?.records ?? [:])),"decisions":\(object(run?.decisions ?? [:])),\
            "orders":\(object(orders)),"trades":\(list(trades)),"portfolio":\(portfolio.map { String(decoding: $0, as: UTF8.self) } ?? "null"),\
            "trading":\(tradingState.map { String(decoding: $0, as: UTF8.self) } ?? "null"),"runs":\(String(decoding: pastRuns, as: UTF8.self)),\
            "actions":[\(actions.map(Self.quoted).joined(separator: ","))],"confirm":[\(confirm.map(Self.quoted).joined(separator: ","))],"operator_enabled":\(operatorEnabled)}
            """
        return Data(text.utf8)
    }

    /// `hb` without its metrics text, as JSON.
    static func pageJSON(_ hb: Heartbeat) -> Data {
        guard hb.metrics != nil else { return json(hb) }
        let shown = try? Heartbeat(process: hb.process, instance: hb.instance, pid: hb.pid, host: hb.host, startedAt: hb.startedAt, state: hb.state,
                                   intervalS: hb.intervalS, counters: hb.counters, alerts: hb.alerts)
        return shown.map(json) ?? json(hb)
    }

    static func json(_ payload: some BusPayload) -> Data {
        (try? payload.encodedPayload(using: CandlewickJSON.encoder())) ?? Data("null".utf8)
    }

    static func quoted(_ s: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: [s], options: .withoutEscapingSlashes)) ?? Data("[\"\"]".utf8), as: UTF8.self).dropFirst().dropLast().description
    }

    static func number(_ d: Double) -> String { d.isFinite ? String(format: "%.3f", d) : "0" }
}
