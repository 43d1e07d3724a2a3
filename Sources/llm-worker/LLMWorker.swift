import ArgumentParser

/// `llm-worker`: charts plus computed numbers → a validated TradingSignal.
@main
struct LLMWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-worker",
        abstract: "Turns charts plus computed indicators into a validated TradingSignal with a vision LLM.",
        discussion: """
            The provider comes from the configuration (llm.provider: rules, openai or anthropic; model ids \
            are configuration) and the environment (API keys): without a key the offline rules analyst is \
            used. Every answer is validated (schema, model rules, grounding in the computed data); anything \
            that fails becomes HOLD with the reason, never a guessed trade. `serve` (the default) is the bus \
            service; `analyze` is the one-shot form.
            """,
        subcommands: [ServeCommand.self, AnalyzeCommand.self],
        defaultSubcommand: ServeCommand.self)
}
