import CandlewickBus
import CandlewickCore
import CandlewickGateway
import CandlewickRuntime
import Foundation

/// Fetches each symbol's daily history from gateway-bridge (DEALER → ROUTER, a deadline per request)
/// and turns it into chart jobs; symbols IB refuses become failures with IB's code and text.
enum GatewayData {
    /// One symbol's outcome: its chart job, or why there is none (IB's code and text).
    typealias Arrival = (symbol: String, result: Result<ChartJob, GatewayError>)

    /// Asks for every symbol at once (gateway-bridge paces the requests) and yields each chart job as
    /// soon as its bars arrive, so charts start while the rest of the data is still coming.
    static func stream(universe: [String], endpoint: String, context: ProcessContext, out: String, runId: String,
                       history: Int) -> AsyncStream<Arrival> {
        AsyncStream { continuation in
            let task = Task {
                var catalog = MessageCatalog.standard
                catalog.register(GatewayFailure.self)
                let codec = FrameCodec(catalog: catalog, maxMessageBytes: Int(context.socketOptions.maxMessageSize))
                guard let client = try? RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions,
                                                      codec: codec, logger: context.logger) else {
                    for s in universe { continuation.yield((s, .failure(GatewayError("cannot connect to gateway-bridge at \(endpoint)")))) }
                    continuation.finish()
                    return
                }
                // Calendar days covering `history` trading days.
                let days = Int((Double(history) * 365 / 252).rounded(.up))
                await withTaskGroup(of: Void.self) { group in
                    for symbol in universe {
                        group.addTask {
                            continuation.yield((symbol, await fetch(symbol, days: days, client: client, runId: runId, out: out)))
                        }
                    }
                }
                await client.close()
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func fetch(_ symbol: String, days: Int, client: RequestClient, runId: String, out: String) async -> Result<ChartJob, GatewayError> {
        do {
            let reply = try await client.request(try MarketDataRequest(symbol: symbol, durationDays: days), runId: runId, timeout: .seconds(120))
            if let f = reply.payload(as: GatewayFailure.self) { return .failure(GatewayError(f.message, code: f.code)) }
            guard let md = reply.payload(as: MarketData.self) else { return .failure(GatewayError("unexpected reply \(reply.header.type)")) }
            return .success(try ChartJob(jobId: "\(runId)-\(symbol)", marketData: md, daily: ChartConfig(symbol: symbol, timeframe: .daily),
                                         weekly: ChartConfig(symbol: symbol, timeframe: .weekly),
                                         artifactDir: (out as NSString).appendingPathComponent(symbol)))
        } catch let e as GatewayError {
            return .failure(e)
        } catch {
            return .failure(GatewayError("\(error)"))
        }
    }
}
