import ArgumentParser
import CandlewickCore
import Foundation

/// `candlewick schedule`: when runs happen (a cron expression on US trading days), and optionally
/// the loop that starts them.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Show the next scheduled runs, or (--loop) start `candlewick run` at each of them.",
        discussion: """
            Example: candlewick schedule --cron "30 16 * * 1-5" --loop -- --data deploy/data/daily
            runs half an hour after every US close, skipping weekends and exchange holidays. Arguments after \
            `--` go to `candlewick run`.
            """)

    @Option(help: "Five-field cron expression (minute hour day month weekday).") var cron = "30 16 * * 1-5"
    @Option(help: "Time zone of the expression.") var tz = "America/New_York"
    @Flag(inversion: .prefixedNo, help: "Only US trading days (weekends and exchange holidays skipped).") var tradingDays = true
    @Option(help: "How many upcoming runs to list.") var next = 5
    @Flag(help: "Stay running and start a run at each scheduled time (until SIGTERM/Ctrl-C).") var loop = false
    @Argument(parsing: .postTerminator, help: "Arguments for `candlewick run`.") var runArguments: [String] = []

    func run() async throws {
        guard let zone = TimeZone(identifier: tz) else { throw ValidationError("--tz: unknown time zone \(tz)") }
        let schedule: CronSchedule
        do { schedule = try CronSchedule(cron, timeZone: zone, tradingDaysOnly: tradingDays) } catch {
            throw ValidationError("--cron: \(error)")
        }
        let formatter = DateFormatter()
        formatter.timeZone = zone
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm zzz"
        var t = Date()
        for _ in 0..<max(1, next) {
            guard let n = schedule.next(after: t) else { break }
            print(formatter.string(from: n))
            t = n
        }
        guard loop else { return }
        _ = try RunCommand.parse(runArguments)  // fail now, not at the first scheduled time
        while let when = schedule.next(after: Date()) {
            FileHandle.standardError.write(Data("next run: \(formatter.string(from: when))\n".utf8))
            try await Task.sleep(for: .seconds(max(0, when.timeIntervalSinceNow)))
            let command = try RunCommand.parse(runArguments)
            do { try await command.run() } catch { FileHandle.standardError.write(Data("run failed: \(error)\n".utf8)) }
        }
    }
}
