import CZMQ
import Foundation
import Synchronization

/// libzmq's own forwarder between publishers and subscribers: publishers connect to `frontend`
/// (XSUB), subscribers connect to `backend` (XPUB), and `zmq_proxy_steerable` moves messages and
/// subscriptions on a dedicated thread.
public final class BusProxy: Sendable {
    /// Where publishers connect (resolved, e.g. a concrete TCP port).
    public let frontend: String
    /// Where subscribers connect.
    public let backend: String
    private let control: Mutex<UncheckedBox<ZMQSocket>?>
    private let finished = CompletionLatch()

    /// Binds both sides (errors are thrown here) and starts forwarding.
    public init(frontend: String, backend: String, options: SocketOptions = SocketOptions()) throws {
        let xsub = try ZMQSocket(.xsub, options: options)
        let xpub = try ZMQSocket(.xpub, options: options)
        try xsub.bind(frontend)
        try xpub.bind(backend)
        self.frontend = xsub.lastEndpoint()
        self.backend = xpub.lastEndpoint()
        let controlEndpoint = "inproc://candlewick-proxy-\(UUID().uuidString)"
        var controlOptions = SocketOptions()
        controlOptions.lingerMs = 0
        let serverControl = try ZMQSocket(.pair, options: controlOptions)
        try serverControl.bind(controlEndpoint)
        let clientControl = try ZMQSocket(.pair, options: controlOptions)
        try clientControl.connect(controlEndpoint)
        control = Mutex(UncheckedBox(clientControl))
        let sockets = UncheckedBox((xsub, xpub, serverControl))
        let thread = Thread { [self] in
            let (xsub, xpub, ctl) = sockets.value
            zmq_proxy_steerable(xsub.handle, xpub.handle, nil, ctl.handle)
            xsub.close()
            xpub.close()
            ctl.close()
            finished.fire()
        }
        thread.name = "bus-proxy"
        thread.start()
    }

    /// Stops forwarding, closes both sides (removing `ipc://` socket files) and waits for the thread.
    public func stop() async {
        control.withLock { box in
            guard let socket = box?.value else { return }
            _ = try? socket.send([Data("TERMINATE".utf8)], dontWait: false)
            socket.close()
            box = nil
        }
        await finished.wait()
    }
}
