import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import Synchronization

/// Collects the valid messages arriving on a stream of frames, so a test can wait for the n-th one
/// with a deadline instead of sleeping and hoping.
public final class Inbox: Sendable {
    private let mailbox: Mailbox<BusMessage>
    private let seen = Mutex<[BusMessage]>([])

    public init(_ frames: AsyncStream<[Data]>, codec: FrameCodec = FrameCodec(), logger: Logger = Logger(label: "inbox")) {
        mailbox = Mailbox(BusSubscriber(source: frames, codec: codec, logger: logger).messages())
    }

    /// The first `count` messages, waiting at most `within` for them; throws naming what was missing.
    public func first(_ count: Int, within: Duration = .seconds(90)) async throws -> [BusMessage] {
        let deadline = ContinuousClock.now + within
        while true {
            let all = self.all
            if all.count >= count { return Array(all.prefix(count)) }
            guard ContinuousClock.now < deadline else {
                throw BusError("inbox", message: "\(all.count) of \(count) message(s) within \(within): \(all.map(\.header.type))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Everything received so far.
    public var all: [BusMessage] {
        let new = mailbox.drain()
        return seen.withLock { s in
            s += new
            return s
        }
    }

    /// Stops collecting.
    public func close() { mailbox.close() }
}
