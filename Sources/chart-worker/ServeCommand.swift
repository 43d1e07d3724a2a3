import ArgumentParser
import CandlewickBus
import CandlewickChartWorker
import CandlewickRuntime

/// `chart-worker serve`: the bus service (the default subcommand).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Pull chart jobs, render both charts, push results with the PNGs attached (until SIGTERM).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "chart-worker", options: common)
        let endpoints = try WorkEndpoints(config: context.config)
        let jobs = try SocketLoop(.pull, connect: [endpoints.chartJobs], options: context.socketOptions, name: "chart-jobs")
        let resultsLoop = try SocketLoop(.push, connect: [endpoints.chartResults], options: context.socketOptions, name: "chart-results")
        let (events, eventsLoop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        let service = try ChartWorkerService(
            worker: context.instance, jobs: jobs, results: BusPublisher(source: context.instance, sink: resultsLoop, codec: context.codec),
            codec: context.codec, logger: context.logger)
        let counters = service.counters
        try await ProcessRunner.run(
            [SocketCloser(jobs, resultsLoop, eventsLoop),
             HeartbeatService(context: context, publisher: events, counters: { counters.snapshot }),
             service],
            context: context)
    }
}
