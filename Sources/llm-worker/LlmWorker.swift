import ArgumentParser
import CandlewickRuntime

/// `llm-worker`: Turns charts plus computed indicators into a validated TradingSignal with a vision LLM.
@main
struct LlmWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-worker",
        abstract: "Turns charts plus computed indicators into a validated TradingSignal with a vision LLM.",
        discussion: """
            Pulls analysis jobs from the bus, calls the configured provider (openai, anthropic, an OpenAI-compatible server, or the offline rules analyst), validates the answer against the schema, the model rules and the data, and publishes a TradingSignal; anything that fails validation becomes HOLD with the reason recorded. A response cache keyed by provider, model, prompt version, schema version and chart hashes makes re-runs free.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("llm-worker has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
