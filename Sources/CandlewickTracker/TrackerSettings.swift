import CandlewickRuntime
import Foundation

/// The tracker's configuration (`tracker.*`), read once at start-up; a bad value stops the process
/// naming the key.
public struct TrackerSettings: Sendable {
    /// Where local run folders are written (`<directory>/<run id>/tracking/`).
    public var directory: String
    /// The MLflow tracking server (http[s]://host:port); empty = the local run folder and report.
    public var mlflowURI: String
    /// The MLflow experiment runs are logged to.
    public var experiment: String
    /// The durable spool: journal, attachments, delivery cursors.
    public var spoolDirectory: String
    /// Time limit per MLflow request, and the longest wait between delivery attempts, in seconds.
    public var requestTimeout: Double
    public var retryMax: Double

    /// - Parameter environment: `MLFLOW_TRACKING_URI` is the default of `tracker.mlflow_uri`.
    public init(config: ConfigFile, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        directory = config[\.trackerDirectory]
        mlflowURI = config[\.trackerMlflowUri] ?? environment["MLFLOW_TRACKING_URI"] ?? ""
        guard mlflowURI.isEmpty || mlflowURI.hasPrefix("http://") || mlflowURI.hasPrefix("https://") else {
            throw ConfigError(config.origin(of: "tracker.mlflow_uri") ?? "MLFLOW_TRACKING_URI",
                              "tracker.mlflow_uri must be an http(s) URL of an MLflow tracking server, got \"\(mlflowURI)\"")
        }
        experiment = config[\.trackerExperiment]
        spoolDirectory = config[\.trackerSpoolDir]
        requestTimeout = config[\.trackerRequestTimeoutS]
        retryMax = config[\.trackerRetryMaxS]
    }
}
