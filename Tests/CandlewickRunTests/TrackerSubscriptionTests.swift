import CandlewickBus
import CandlewickCore
@testable import CandlewickRun
import CandlewickTesting
import Foundation
import Testing

@Suite("Run service: the tracker's subscription, as seen by the run's publisher")
struct TrackerSubscriptionTests {
    /// The events the watcher yields for a publisher that sees `prefixes` subscribed.
    func listening(_ prefixes: [String]) async -> Int {
        let hub = InMemoryHub()
        let subscriptions = prefixes.map { hub.subscribe(prefixes: [$0]) }
        let channel = hub.publisherChannel()
        let (events, feed) = AsyncStream<RunPipeline.Event>.makeStream()
        await channel.close()  // the watcher has seen every current subscription and its stream ends
        await RunService.watchSubscriptions(channel, feed: feed)
        feed.finish()
        var n = 0
        for await case .trackerListening in events { n += 1 }
        _ = subscriptions
        return n
    }

    @Test("a subscription covering run.started counts (the tracker's run., tap's everything); others do not")
    func coverage() async {
        #expect(await listening(["run."]) == 1)
        #expect(await listening([""]) == 1)
        #expect(await listening(["order.update", "run."]) == 1)
        #expect(await listening(["order.update", "trade", "heartbeat", "run.symbol"]) == 0)
        #expect(await listening([]) == 0)
    }
}
