import ArgumentParser
import Foundation

/// `candlewick report RUN_FOLDER`: writes a run's report.html again from the files the run left (after an upgrade of
/// the report, or to check it: the same files give the same bytes as the run wrote).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run folder's report.html again from its summary.json, signals/, orders.json, trades.json and charts/.")

    @Argument(help: "The run folder (runs/<run id>).") var folder: String

    func run() throws {
        do {
            let summary = try RunSummary(folder: folder)
            try RunReport.write(summary, folder: folder)
            print((folder as NSString).appendingPathComponent("report.html"))
        } catch let e as RunFilesError {
            throw ValidationError("cannot read the run folder: \(e)")
        }
    }
}
