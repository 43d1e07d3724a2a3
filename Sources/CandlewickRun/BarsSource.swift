import CandlewickBus
import CandlewickCore
import Foundation

/// Where a run's daily bars come from. `deliver` hands each symbol's bars (or why there are none) to
/// `event` as they arrive and returns when every symbol has had its answer; the caller runs it as a
/// child task, so cancelling the run cancels the fetches.
public protocol BarsSource: Sendable {
    func deliver(_ universe: [String], runId: String, to event: @escaping @Sendable (RunPipeline.Event) -> Void) async
}

/// Bars from `directory/SYMBOL.csv` files, the most recent `history` bars of each.
public struct CSVBars: BarsSource {
    public let directory: String
    public let history: Int

    public init(directory: String, history: Int) {
        self.directory = directory
        self.history = history
    }

    public func deliver(_ universe: [String], runId: String, to event: @escaping @Sendable (RunPipeline.Event) -> Void) async {
        for symbol in universe {
            do {
                event(.bars(symbol: symbol, try load(symbol)))
            } catch {
                event(.barsFailed(symbol: symbol, reason: "\(error)"))
            }
        }
    }

    func load(_ symbol: String) throws -> MarketData {
        let path = (directory as NSString).appendingPathComponent("\(symbol).csv")
        let loaded = try BarCSV.load(path: path)
        guard let last = loaded.bars.last else { throw RunError.noBars(path) }
        // The last `history` bars: enough for SMA 200 on the daily chart and a long weekly view.
        return try MarketData(symbol: symbol, bars: Array(loaded.bars.suffix(history)), fetchedAt: last.timestamp)
    }

    /// The symbols with a CSV file in `directory`, upper case, sorted.
    public static func symbols(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)).uppercased() }.sorted()
    }
}

/// Bars from gateway-bridge (`market_data.request` on its ROUTER socket, a deadline per request). Every
/// symbol is asked for at once (gateway-bridge keeps IB's pacing), and each answer is handed on as soon
/// as it arrives, so charts start while the rest of the data is still coming.
public struct GatewayBars: BarsSource {
    public let client: RequestClient
    /// Trading days of history per symbol.
    public let history: Int
    /// The last day whose bar is asked for (`YYYY-MM-DD`; a backtest's as-of day); nil: up to now.
    public let endDay: String?
    public let timeout: Duration

    public init(client: RequestClient, history: Int, endDay: String? = nil, timeout: Duration = .seconds(120)) {
        self.client = client
        self.history = history
        self.endDay = endDay
        self.timeout = timeout
    }

    /// Calendar days covering `history` trading days.
    var days: Int { Int((Double(history) * 365 / 252).rounded(.up)) }

    /// The fetches run on the client's socket thread (`RequestClient.executor`): each reply is decoded
    /// there and its fetch only hands it on, so it resumes there too instead of waking a pool thread
    /// per symbol.
    public func deliver(_ universe: [String], runId: String, to event: @escaping @Sendable (RunPipeline.Event) -> Void) async {
        await withTaskExecutorPreference(client.executor) {
            await withDiscardingTaskGroup { group in
                for symbol in universe {
                    group.addTask { event(await fetch(symbol, runId: runId)) }
                }
            }
        }
    }

    func fetch(_ symbol: String, runId: String) async -> RunPipeline.Event {
        do {
            let reply = try await client.request(try MarketDataRequest(symbol: symbol, durationDays: days, endDay: endDay), runId: runId, timeout: timeout)
            if let f = reply.payload(as: GatewayFailure.self) { return .barsFailed(symbol: symbol, reason: f.description) }
            guard let md = reply.payload(as: MarketData.self) else {
                return .barsFailed(symbol: symbol, reason: "unexpected reply \(reply.header.type)")
            }
            // Checked once by decoding; the bytes that decoded are what the chart job forwards.
            return .bars(symbol: symbol, md, json: reply.payloadJSON)
        } catch {
            return .barsFailed(symbol: symbol, reason: "\(error)")
        }
    }
}
