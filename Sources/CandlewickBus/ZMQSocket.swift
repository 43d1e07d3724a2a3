import CZMQ
import Foundation

/// The ZeroMQ socket types Candlewick uses.
public enum SocketKind: Sendable {
    case pub, sub, xpub, xsub, push, pull, dealer, router, pair, rep

    var raw: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pair: ZMQ_PAIR
        case .rep: ZMQ_REP
        }
    }
}

/// Options applied to every socket: bounded queues and sizes, finite linger, reconnect backoff.
public struct SocketOptions: Sendable {
    /// Messages queued per peer before PUB drops / PUSH blocks.
    public var sendHighWaterMark: Int32 = 10_000
    public var receiveHighWaterMark: Int32 = 10_000
    /// Largest inbound message in bytes; a peer that sends more is disconnected by libzmq.
    public var maxMessageSize: Int64 = 64 << 20
    /// How long unsent messages are kept at close, in milliseconds.
    public var lingerMs: Int32 = 500
    /// First and maximum reconnect interval, in milliseconds.
    public var reconnectMs: Int32 = 100
    public var reconnectMaxMs: Int32 = 2_000
    /// ZMTP heartbeats: a PING every `heartbeatMs`; a peer silent for `heartbeatTimeoutMs` is
    /// dropped, so a host whose link was cut stops receiving PUSHed jobs within seconds instead of
    /// when TCP gives up (0 = off).
    public var heartbeatMs: Int32 = 1_000
    public var heartbeatTimeoutMs: Int32 = 5_000
    /// TCP_USER_TIMEOUT: a tcp connection whose sent data stays unacknowledged this long is aborted.
    /// Heartbeats alone do not catch a cut link while a large message (a job with its charts) is
    /// stuck in the send buffer, because the PING waits behind it (0 = the kernel's default).
    public var tcpMaxRetransmitMs: Int32 = 10_000
    /// Socket identity (DEALER), if any.
    public var identity: String?
    /// The process's bus identity: when set, bound sockets are CURVE servers behind the ZAP
    /// handler and connecting sockets CURVE clients (see `BusSecurity`). Nil = plain sockets
    /// (in-process tests, benchmarks).
    public var security: BusSecurity?

    public init() {}
}

/// A libzmq socket. Not thread-safe: it is owned by exactly one thread (see `SocketLoop`).
final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    let kind: SocketKind
    private(set) var closed = false
    /// Socket files this socket created by binding `ipc://` endpoints; removed at close so no stale
    /// file outlives the process (libzmq removes them only later, on its I/O thread).
    private var ipcFiles: [String] = []
    private let security: BusSecurity?
    private var secured = false

    init(_ kind: SocketKind, options: SocketOptions, context: ZMQContext = .shared) throws {
        guard let h = zmq_socket(context.handle, kind.raw) else { throw BusError.zmq("create socket") }
        handle = h
        self.kind = kind
        security = options.security
        try set(ZMQ_SNDHWM, options.sendHighWaterMark)
        try set(ZMQ_RCVHWM, options.receiveHighWaterMark)
        try set(ZMQ_LINGER, options.lingerMs)
        try set(ZMQ_RECONNECT_IVL, options.reconnectMs)
        try set(ZMQ_RECONNECT_IVL_MAX, options.reconnectMaxMs)
        if options.heartbeatMs > 0 {
            try set(ZMQ_HEARTBEAT_IVL, options.heartbeatMs)
            try set(ZMQ_HEARTBEAT_TIMEOUT, options.heartbeatTimeoutMs)
        }
        if options.tcpMaxRetransmitMs > 0 { try set(ZMQ_TCP_MAXRT, options.tcpMaxRetransmitMs) }
        var max = options.maxMessageSize
        guard zmq_setsockopt(h, ZMQ_MAXMSGSIZE, &max, MemoryLayout<Int64>.size) == 0 else {
            throw BusError.zmq("set ZMQ_MAXMSGSIZE")
        }
        if let id = options.identity { try set(ZMQ_ROUTING_ID, bytes: Array(id.utf8)) }
    }

    deinit { close() }

    func set(_ option: Int32, _ value: Int32) throws {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else {
            throw BusError.zmq("set socket option \(option)")
        }
    }

    func set(_ option: Int32, bytes: [UInt8]) throws {
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw BusError.zmq("set socket option \(option)") }
    }

    func bind(_ endpoint: String) throws {
        if let security, !secured {
            try security.configureServer(self, endpoint: endpoint)
            secured = true
        }
        if endpoint.hasPrefix("ipc://") {
            let path = String(endpoint.dropFirst(6))
            // A missing directory is created private (0700); an existing one is left as it is (ProcessContext
            // checks the bus directory before any socket opens).
            try PrivateDirectory.createIfMissing((path as NSString).deletingLastPathComponent, what: "socket directory")
        }
        guard zmq_bind(handle, endpoint) == 0 else { throw BusError.zmq("bind \(endpoint)") }
        if endpoint.hasPrefix("ipc://") { ipcFiles.append(String(endpoint.dropFirst(6))) }
    }

    func connect(_ endpoint: String) throws {
        if let security, !secured {
            try security.configureClient(self, endpoint: endpoint)
            secured = true
        }
        guard zmq_connect(handle, endpoint) == 0 else { throw BusError.zmq("connect \(endpoint)") }
    }

    /// The socket's signalling descriptor (`ZMQ_FD`): readable, edge-triggered, when the socket's
    /// state may have changed; `events()` then says what it is ready for.
    func signalDescriptor() -> Int32 {
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_FD, &fd, &size)
        return fd
    }

    /// `ZMQ_POLLIN` / `ZMQ_POLLOUT` as ready now (`ZMQ_EVENTS`; processes pending commands).
    func events() -> Int32 {
        var ev: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_EVENTS, &ev, &size)
        return ev
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*`).
    func lastEndpoint() -> String {
        var buf = [UInt8](repeating: 0, count: 1024)
        var size = buf.count
        zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buf, &size)
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Sends all frames as one multipart message. Returns false on EAGAIN (only with `dontWait`).
    func send(_ frames: [Data], dontWait: Bool) throws -> Bool {
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc < 0 {
                if zmq_errno() == EAGAIN && i == 0 { return false }
                throw BusError.zmq("send frame \(i) of \(frames.count)")
            }
        }
        return true
    }

    /// Receives one multipart message, or nil when none is waiting (with `dontWait`). With
    /// `peerMetadata`, the message is preceded by one frame naming the peer's authenticated role
    /// and key id (`<User-Id>\n<X-Key-Id>`, empty parts when the connection has none).
    func receive(dontWait: Bool, peerMetadata: Bool = false) throws -> [Data]? {
        var frames: [Data] = []
        var user: String?, key: String?
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let rc = zmq_msg_recv(&msg, handle, dontWait ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let e = zmq_errno()
                if frames.isEmpty && (e == EAGAIN || e == EINTR) { return nil }
                throw BusError.zmq("receive frame \(frames.count)")
            }
            // A ROUTER's routing-id frame is made locally and carries no metadata: look at every frame.
            if peerMetadata && user == nil, let u = zmq_msg_gets(&msg, "User-Id") {
                user = String(cString: u)
                key = zmq_msg_gets(&msg, "X-Key-Id").map { String(cString: $0) }
            }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
            if zmq_msg_more(&msg) == 0 {
                if peerMetadata { frames.insert(Data("\(user ?? "")\n\(key ?? "")".utf8), at: 0) }
                return frames
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
        for path in ipcFiles { unlink(path) }
    }
}
