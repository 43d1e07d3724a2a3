import CZMQ

/// The process-wide libzmq context. One per process, as ZeroMQ recommends; never terminated
/// explicitly (sockets are closed with a finite linger, so process exit is prompt).
public final class ZMQContext: @unchecked Sendable {
    /// The shared context (libzmq contexts are thread-safe).
    public static let shared = ZMQContext()

    let handle: UnsafeMutableRawPointer

    private init() {
        guard let h = zmq_ctx_new() else { fatalError("zmq_ctx_new failed: out of memory") }
        handle = h
        zmq_ctx_set(h, ZMQ_IO_THREADS, 1)
        zmq_ctx_set(h, ZMQ_BLOCKY, 0)
    }

    /// Waits until every closed socket has delivered what it still holds (up to each socket's linger),
    /// then ends the context. Call once, at the end of a short-lived process, after closing every
    /// socket: otherwise messages still in libzmq's I/O thread die with the process.
    public func terminate() {
        _ = zmq_ctx_term(handle)
    }

    /// libzmq's version, e.g. `4.3.4`.
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
