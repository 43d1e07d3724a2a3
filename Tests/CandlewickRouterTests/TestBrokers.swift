import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Logging
import Testing

/// What a router test asks of the broker behind the router: lose an acknowledgement or be down, override the
/// acknowledgement's epoch, count what reached it. `FakeBroker` and `PaperEngineBroker` both answer it.
protocol TestBroker: BrokerGateway {
    func set(_ m: FakeBroker.Mode)
    func set(ackEpoch e: Int?)
    /// How many plans reached the broker.
    var places: Int { get }
    /// Every leg's orderRef, in the order placed.
    var refs: [String] { get }
}

extension FakeBroker: TestBroker {}

extension PaperEngineBroker: TestBroker {
    func set(_ m: FakeBroker.Mode) { engine.withLock { $0.mode = m } }
    func set(ackEpoch e: Int?) { engine.withLock { $0.ackEpoch = e } }
    var places: Int { engine.withLock { $0.places } }
    var refs: [String] { engine.withLock { $0.refs } }
}

/// The brokers a router test body runs against: the fake (always accepts, never fills) and ib-paper's matching engine
/// in-process (rejects, cancels, fills, partial fills, executions, reconnects).
enum BrokerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case fake, paperEngine

    func make() -> any TestBroker {
        switch self {
        case .fake: FakeBroker()
        case .paperEngine: PaperEngineBroker()
        }
    }

    var testDescription: String { rawValue }
}

/// A router over `broker` with a journal at `path`, accepting signals from source "test".
func makeRouter(_ path: String, _ broker: any BrokerGateway, policy: RiskPolicy = RiskPolicy()) throws -> OrderRouter {
    OrderRouter(journal: try IntentJournal(path: path), gateway: broker, policy: policy, allowedSources: ["test"],
                logger: Logger(label: "test"), publish: { _, _ in })
}
