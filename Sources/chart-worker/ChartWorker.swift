import ArgumentParser

/// `chart-worker`: bars → indicators → daily and weekly PNG charts.
@main
struct ChartWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart-worker",
        abstract: "Bars → indicators → daily and weekly 1920x1080 PNG charts.",
        discussion: """
            One-shot commands for people and benchmarks. The bus service (pulling chart jobs and \
            returning ChartResults with the PNGs as attachments) joins with the pipeline.
            """,
        subcommands: [RenderCommand.self, IndicatorsCommand.self])
}
