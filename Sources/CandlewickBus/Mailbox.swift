import Synchronization

/// Collects values from a stream in the background so a loop can take what has arrived without
/// waiting (for loops that also have timers to look after, such as lease expiry).
public final class Mailbox<Value: Sendable>: Sendable {
    private let storage = MailboxStorage<Value>()
    private let reader: Task<Void, Never>

    /// Starts reading `stream` until it finishes or the mailbox is closed.
    public init(_ stream: AsyncStream<Value>) {
        let storage = self.storage
        reader = Task { for await v in stream { storage.append(v) } }
    }

    /// Everything that arrived since the last call, in order.
    public func drain() -> [Value] { storage.drain() }

    /// How many values wait.
    public var count: Int { storage.count }

    /// Stops reading.
    public func close() { reader.cancel() }
}

final class MailboxStorage<Value: Sendable>: Sendable {
    private let items = Mutex<[Value]>([])
    func append(_ v: Value) { items.withLock { $0.append(v) } }
    func drain() -> [Value] { items.withLock { i in defer { i.removeAll() }; return i } }
    var count: Int { items.withLock { $0.count } }
}
