import ArgumentParser
import CandlewickBus
import CandlewickLLM
import CandlewickRuntime
import Foundation

/// `llm-worker serve`: the bus service (the default subcommand).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Pull analysis jobs, answer each with a validated signal, push the results (until SIGTERM).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "llm-worker", options: common)
        let endpoints = try WorkEndpoints(config: context.config)
        let analyst: AnalysisService.Analyst
        switch try ProviderFactory.choose(try LLMSettings(config: context.config), environment: ProcessInfo.processInfo.environment) {
        case .rules:
            analyst = .rules
        case .model(let provider, let settings):
            analyst = .model(try Analyzer.make(provider: provider, settings: settings, logger: context.logger))
        }
        let jobs = try SocketLoop(.pull, connect: [endpoints.analysisJobs], options: context.socketOptions, name: "analysis-jobs")
        let resultsLoop = try SocketLoop(.push, connect: [endpoints.analysisResults], options: context.socketOptions,
                                         name: "analysis-results")
        let (events, eventsLoop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        let service = AnalysisService(jobs: jobs, results: BusPublisher(source: context.instance, sink: resultsLoop, codec: context.codec),
                                      analyst: analyst, worker: context.instance, logger: context.logger, codec: context.codec)
        let counters = service.counters
        try await ProcessRunner.run(
            [SocketCloser(jobs, resultsLoop, eventsLoop),
             HeartbeatService(context: context, publisher: events, counters: { counters.snapshot }), service],
            context: context)
    }
}
