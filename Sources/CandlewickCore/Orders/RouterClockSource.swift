import Foundation

/// Where order-router's clock comes from (`router.clock`): the machine's wall clock, or the broker's time
/// (IB's reqCurrentTime; under ib-paper, the simulated day), so a backtest's day limits follow the simulation.
public enum RouterClockSource: String, Sendable, Hashable, Codable, CaseIterable {
    case wall
    case broker
}
