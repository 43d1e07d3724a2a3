import CandlewickTWS
import Logging

/// What gateway-bridge does with one of IB's error or notice messages (see docs/tws.md, "gateway-bridge's
/// reaction"). Pure: `IBErrorReaction.of(code:message:)` is the one table every part of the bridge asks.
public enum IBErrorReaction: Sendable, Equatable {
    /// Informational: logged at `level`, nothing fails (the request it names still gets its answer).
    case notice(Logger.Level)
    /// IB refused for now (pacing): the same request is sent again after `seconds`, within its deadline.
    case retryLater(seconds: Double)
    /// The request it names fails with IB's code and text (retrying would get the same answer).
    case failRequest
    /// What the bridge believes of IB's orders may be stale: take a fresh broker snapshot through the
    /// re-sync path a reconnect uses (`ReconnectService.resync`); with `dropBeliefs`, forget the current
    /// connection's orders first, as on a reconnect.
    case resync(dropBeliefs: Bool)

    /// Seconds before a paced request is sent again (IB's smallest pacing window is 2 s).
    public static let pacingRetrySeconds = 2.0

    /// The reaction to IB's message `code` (`message` tells a pacing 162 from a no-data 162).
    public static func of(code: Int, message: String) -> IBErrorReaction {
        switch code {
        case 162 where message.lowercased().contains("pacing violation"): .retryLater(seconds: pacingRetrySeconds)
        case 420: .retryLater(seconds: pacingRetrySeconds)  // "Invalid real-time query … pacing violation"
        // "Only 50 simultaneous API historical data requests allowed": a slot frees when one is answered.
        case 322 where message.lowercased().contains("simultaneous"): .retryLater(seconds: pacingRetrySeconds)
        case 1100: .notice(.warning)  // TWS lost IB: requests keep their deadlines; 1101/1102 re-sync
        case 1101: .resync(dropBeliefs: true)  // restored, data lost: nothing believed from before holds
        case 1102: .resync(dropBeliefs: false)  // restored, data kept: confirm with a fresh snapshot
        case 10147: .resync(dropBeliefs: false)  // a cancel named an order IB does not know: the belief was stale
        case 202, 366, 10148, 165, 10167: .notice(.info)  // order cancelled (status follows), no query, already done
        case 2103, 2105, 2157, 2110: .notice(.warning)  // a data farm or TWS-server link broken: requests keep their deadlines
        case 2100...2199: .notice(.info)  // farm OK / inactive, 2174 zone warning: the data still comes
        default: .failRequest  // 162 no data, 200, 201, 321, 354, 434, 10314, …: IB's answer, given to the caller
        }
    }

    /// The reaction to one `TWSError`.
    public static func of(_ e: TWSError) -> IBErrorReaction { of(code: e.code, message: e.message) }
}
