import Foundation

/// Where tracked records end up: an MLflow server, or a local run folder.
public protocol TrackingSink: Actor {
    /// A short name, used for the spool's cursor file (`mlflow`, `local`).
    nonisolated var name: String { get }

    /// Applies one record's operations in order. Throws a retryable error when the record should
    /// be tried again later (the sink is unreachable); items the sink refuses for good are skipped
    /// and returned as one line each, so the rest of the record and the records after it flow.
    func deliver(_ ops: [TrackingOp], seq: Int, blob: @Sendable (BlobRef) throws -> Data) async throws -> [String]

    /// Called when the spool is drained (e.g. to rewrite a report).
    func idle() async
}

/// A failure worth trying again later (the sink is down or busy).
public protocol RetryableFailure: Error {
    var retryable: Bool { get }
}

extension MLflowError: RetryableFailure {}
