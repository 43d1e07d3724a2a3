import CandlewickBus
import CandlewickCore
import CandlewickGateway
import CandlewickRuntime
import Foundation

/// Fetches each symbol's daily history from gateway-bridge (DEALER → ROUTER, a deadline per request)
/// and turns it into chart jobs; symbols IB refuses become failures with IB's code and text.
enum GatewayData {
    static func chartJobs(universe: [String], endpoint: String, context: ProcessContext, out: String, runId: String,
                          history: Int) async -> ([String: ChartJob], [(String, String)]) {
        var catalog = MessageCatalog.standard
        catalog.register(GatewayFailure.self)
        let codec = FrameCodec(catalog: catalog, maxMessageBytes: Int(context.socketOptions.maxMessageSize))
        guard let client = try? RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions,
                                              codec: codec, logger: context.logger) else {
            return ([:], universe.map { ($0, "cannot connect to gateway-bridge at \(endpoint)") })
        }
        // Calendar days covering `history` trading days.
        let days = Int((Double(history) * 365 / 252).rounded(.up))
        let results = await withTaskGroup(of: (String, Result<MarketData, GatewayError>).self) { group in
            for symbol in universe {
                group.addTask {
                    do {
                        let reply = try await client.request(try MarketDataRequest(symbol: symbol, durationDays: days), runId: runId,
                                                             timeout: .seconds(60))
                        if let md = reply.payload(as: MarketData.self) { return (symbol, .success(md)) }
                        if let f = reply.payload(as: GatewayFailure.self) { return (symbol, .failure(GatewayError(f.message, code: f.code))) }
                        return (symbol, .failure(GatewayError("unexpected reply \(reply.header.type)")))
                    } catch {
                        return (symbol, .failure(GatewayError("\(error)")))
                    }
                }
            }
            var all: [(String, Result<MarketData, GatewayError>)] = []
            for await r in group { all.append(r) }
            return all
        }
        await client.close()
        var jobs: [String: ChartJob] = [:]
        var failures: [(String, String)] = []
        for (symbol, result) in results.sorted(by: { $0.0 < $1.0 }) {
            switch result {
            case .success(let md):
                do {
                    let job = try ChartJob(jobId: "\(runId)-\(symbol)", marketData: md, daily: ChartConfig(symbol: symbol, timeframe: .daily),
                                           weekly: ChartConfig(symbol: symbol, timeframe: .weekly),
                                           artifactDir: (out as NSString).appendingPathComponent(symbol))
                    jobs[job.jobId] = job
                } catch {
                    failures.append((symbol, "\(error)"))
                }
            case .failure(let e):
                failures.append((symbol, e.description))
            }
        }
        return (jobs, failures)
    }
}
