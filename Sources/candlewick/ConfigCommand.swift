import ArgumentParser
import CandlewickRuntime
import Foundation

/// `candlewick config keys|check`: the key table, and a configuration checked without starting anything.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the configuration keys, or check a configuration file and the environment.",
        subcommands: [Keys.self, Check.self])

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every key with its type, allowed values, default and readers (docs/config.md is generated from this).")

        @Flag(help: "JSON: keys with type details, the cross-field rules and the processes that load the file.") var json = false
        @Flag(help: "The Markdown table of docs/config.md.") var markdown = false
        @Option(help: "Rewrite the generated table in this Markdown file (docs/config.md).") var update: String?

        func validate() throws {
            guard [json, markdown, update != nil].filter({ $0 }).count <= 1 else { throw ValidationError("choose one of --json, --markdown, --update") }
        }

        func run() throws {
            if let update {
                let text = try String(contentsOfFile: update, encoding: .utf8)
                guard let new = ConfigDocs.updating(text) else { throw ValidationError("\(update) has no generated-table markers") }
                try new.write(toFile: update, atomically: true, encoding: .utf8)
            } else if json {
                print(try ConfigDocs.json())
            } else {
                print(ConfigDocs.markdown(), terminator: "")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check --config FILE and the CANDLEWICK_* environment as every process does at start-up; exit 1 naming each bad value.")

        @Option(help: "Configuration file (without it, only the environment is checked).") var config: String?

        func run() throws {
            _ = try ConfigFile.load(path: config)
            print("\(config ?? "environment"): \(ConfigKeys.all.count) keys known, every value set is valid")
        }
    }
}
