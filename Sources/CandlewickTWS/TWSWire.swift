import Foundation

/// Protocol constants of the TWS API subset Candlewick speaks (text era, server version 178).
public enum TWSWire {
    /// The only server version whose layouts this library implements.
    public static let serverVersion = 178
    /// The range a client advertises in the handshake (what ib_async 2.1.0 sends).
    public static let clientMinVersion = 157
    public static let clientMaxVersion = 178
    /// At and above this version message ids become binary and payloads protobuf; we stay below.
    public static let protobufThreshold = 201
    /// ibapi's `MAX_MSG_LEN`: a length prefix above this is refused (error 507 "Bad message length").
    public static let maxMessageLength = 0xFF_FFFF
    /// The four raw bytes a client sends before anything else.
    public static let apiPrefix: [UInt8] = [0x41, 0x50, 0x49, 0x00]

    /// ibapi `UNSET_INTEGER`.
    public static let unsetInteger = 2_147_483_647
    /// ibapi `UNSET_LONG`.
    public static let unsetLong: Int64 = 9_223_372_036_854_775_807
    /// ibapi `UNSET_DOUBLE` (Double.greatestFiniteMagnitude).
    public static let unsetDouble = Double.greatestFiniteMagnitude
    /// How TWS (Java) writes `UNSET_DOUBLE`; what our server sends where a number is expected.
    public static let unsetDoubleJava = "1.7976931348623157E308"
    /// How ibapi (Python `str`) writes `UNSET_DOUBLE` in the fields it does not blank.
    public static let unsetDoublePython = "1.7976931348623157e+308"

    /// Every text that means "no value" on the wire, whatever the side that wrote it.
    public static let unsetForms: Set<String> = [
        "", "2147483647", "9223372036854775807", "-9223372036854775808",
        unsetDoubleJava, unsetDoublePython, "UNSET_DOUBLE", "UNSET_INTEGER", "UNSET_LONG", "UNSET_DECIMAL",
        "170141183460469231731687303715884105727",
    ]

    /// Whether `text` is one of the wire forms of "unset".
    public static func isUnset(_ text: String) -> Bool { unsetForms.contains(text) }
}

/// Client → server message ids (ibapi `OUT`).
public enum TWSOutgoingID {
    public static let reqHeadTimestamp = 87
    public static let reqMarketData = 1
    public static let placeOrder = 3
    public static let cancelOrder = 4
    public static let reqOpenOrders = 5
    public static let reqAccountUpdates = 6
    public static let reqExecutions = 7
    public static let reqIds = 8
    public static let reqContractDetails = 9
    public static let reqAutoOpenOrders = 15
    public static let reqAllOpenOrders = 16
    public static let reqManagedAccounts = 17
    public static let reqHistoricalData = 20
    public static let cancelHistoricalData = 25
    public static let reqCurrentTime = 49
    public static let reqGlobalCancel = 58
    public static let reqMarketDataType = 59
    public static let reqPositions = 61
    public static let reqAccountSummary = 62
    public static let cancelAccountSummary = 63
    public static let cancelPositions = 64
    public static let startApi = 71
    public static let reqAccountUpdatesMulti = 76
    public static let cancelAccountUpdatesMulti = 77
    public static let reqCompletedOrders = 99
}

/// Server → client message ids (ibapi `IN`).
public enum TWSIncomingID {
    public static let orderStatus = 3
    public static let errorMessage = 4
    public static let openOrder = 5
    public static let accountValue = 6
    public static let portfolioValue = 7
    public static let accountUpdateTime = 8
    public static let nextValidId = 9
    public static let contractData = 10
    public static let executionData = 11
    public static let managedAccounts = 15
    public static let historicalData = 17
    public static let currentTime = 49
    public static let contractDataEnd = 52
    public static let openOrderEnd = 53
    public static let accountDownloadEnd = 54
    public static let executionDataEnd = 55
    public static let commissionReport = 59
    public static let positionData = 61
    public static let positionEnd = 62
    public static let accountSummary = 63
    public static let accountSummaryEnd = 64
    public static let accountUpdateMultiEnd = 74
    public static let headTimestamp = 88
    public static let completedOrder = 101
    public static let completedOrdersEnd = 102
}
