import CZMQ
import CandlewickCore

/// A bus operation failed: what was attempted, on which endpoint or socket, and libzmq's reason.
public struct BusError: CodedError, Sendable {
    /// What was being done, e.g. `bind tcp://127.0.0.1:5555`.
    public let operation: String
    /// libzmq's errno, when the failure came from libzmq.
    public let errno: Int32?
    public let message: String
    /// Stable: `timeout` (no reply in time), `closed` (socket or client closed), `outbox_full`, `zmq_error`
    /// (libzmq refused; see `errno`), `bus_failed` (anything else).
    public let code: String

    public init(_ operation: String, errno: Int32? = nil, message: String, code: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.message = message
        self.code = code ?? (errno == nil ? "bus_failed" : "zmq_error")
    }

    /// Builds an error from libzmq's current `zmq_errno()`.
    static func zmq(_ operation: String) -> BusError {
        let code = zmq_errno()
        return BusError(operation, errno: code, message: String(cString: zmq_strerror(code)))
    }

    public var description: String { "\(operation): \(message)" }
}
