import ArgumentParser

/// `chart-worker`: bars → indicators → daily and weekly PNG charts.
@main
struct ChartWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart-worker",
        abstract: "Bars → indicators → daily and weekly 1920x1080 PNG charts.",
        discussion: """
            `serve` (the default) pulls chart jobs from the bus and pushes results with the PNGs as \
            attachment frames; start more workers to go faster. `render` and `indicators` are one-shot \
            commands for people and benchmarks.
            """,
        subcommands: [ServeCommand.self, RenderCommand.self, IndicatorsCommand.self],
        defaultSubcommand: ServeCommand.self)
}
