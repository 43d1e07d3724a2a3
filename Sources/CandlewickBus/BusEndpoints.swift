/// Where the bus lives. Publishers connect to `publish` (the proxy's XSUB side); subscribers connect
/// to `subscribe` (the proxy's XPUB side). On one host both are `ipc://` paths in a private directory;
/// across hosts `tcp://` addresses.
public struct BusEndpoints: Sendable, Hashable, Codable {
    public var publish: String
    public var subscribe: String

    public init(publish: String, subscribe: String) {
        self.publish = publish
        self.subscribe = subscribe
    }

    /// The default single-host endpoints under `directory` (e.g. `/tmp/candlewick`).
    public static func ipc(in directory: String) -> BusEndpoints {
        BusEndpoints(publish: "ipc://\(directory)/bus-pub.sock", subscribe: "ipc://\(directory)/bus-sub.sock")
    }
}

extension BusEndpoints {
    /// A publisher whose socket connects to the proxy's frontend.
    public func makePublisher(source: String, options: SocketOptions = SocketOptions()) throws -> (BusPublisher, SocketLoop) {
        let loop = try SocketLoop(.pub, connect: [publish], options: options, name: "pub")
        return (BusPublisher(source: source, sink: loop), loop)
    }

    /// A subscriber socket connected to the proxy's backend, filtered by topic prefixes.
    public func makeSubscriberSocket(prefixes: [String] = [""], options: SocketOptions = SocketOptions()) throws -> SocketLoop {
        try SocketLoop(.sub, connect: [subscribe], subscriptions: prefixes, options: options, name: "sub")
    }
}
