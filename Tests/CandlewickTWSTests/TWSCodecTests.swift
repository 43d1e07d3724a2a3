import Foundation
import Testing
@testable import CandlewickTWS

/// Sample server messages covering every TWSEvent case.
enum EventSamples {
    static let contract = TWSContract(conId: 265_598, symbol: "AAPL", exchange: "SMART", currency: "USD", localSymbol: "AAPL", tradingClass: "NMS")

    static var all: [TWSEvent] {
        var order = TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", lmtPrice: 185.5, tif: "GTC", ocaGroup: "g1", ocaType: 1,
                             account: "DU1", orderRef: "ref", parentId: 7, outsideRth: true, clientId: 3, permId: 1_000_001)
        order.goodTillDate = "20250101 16:00:00 US/Eastern"
        var completed = order
        completed.parentId = 0
        completed.clientId = 0  // COMPLETED_ORDER carries no clientId
        var details = TWSContractDetails(contract: contract, marketName: "NMS", minTick: 0.01, longName: "APPLE INC",
                                         tradingHours: "20171004:0400-20171004:2000", liquidHours: "20171004:0930-20171004:1600")
        details.contract.primaryExchange = "NASDAQ"
        let execution = TWSExecution(orderId: 5, contract: contract, execId: "0000e0d5.00000001.01.01", time: "20171005 09:30:00 US/Eastern",
                                     account: "DU1", exchange: "NASDAQ", side: "BOT", shares: 10, price: 154.97, permId: 1_000_001,
                                     clientId: 3, cumQty: 10, avgPrice: 154.97, orderRef: "ref", lastLiquidity: 2)
        return [
            .nextValidId(42), .managedAccounts(["DU1", "DU2"]),
            .error(TWSError(id: 5, code: 201, message: "Order rejected - reason:x", advancedOrderRejectJson: "{\"a\":1}")),
            .currentTime(1_700_000_000),
            .contractDetails(reqId: 1, details), .contractDetailsEnd(reqId: 1),
            .historicalData(reqId: 2, start: "20170901 00:00:00 US/Eastern", end: "20171004 16:00:00 US/Eastern", bars: [
                TWSBar(date: "20171003", open: 154.01, high: 155.09, low: 153.91, close: 154.48, volume: 16_230_300, wap: Decimal(string: "154.4933"), barCount: -1),
                TWSBar(date: "20171004", open: 153.63, high: 153.86, low: 152.46, close: 153.48, volume: nil, wap: nil, barCount: 12),
            ]),
            .openOrder(TWSOpenOrder(orderId: 5, contract: contract, order: order, state: TWSOrderState(status: "Filled", commission: 1, commissionCurrency: "USD"))),
            .openOrderEnd,
            .completedOrder(TWSOpenOrder(orderId: 0, contract: contract, order: completed, state: TWSOrderState(
                status: "Filled", completedTime: "20171005 09:30:00 US/Eastern", completedStatus: "Filled"))),
            .completedOrdersEnd,
            .orderStatus(TWSOrderStatus(orderId: 5, status: "Filled", filled: 10, remaining: 0, avgFillPrice: 154.97, permId: 1_000_001,
                                        parentId: 0, lastFillPrice: 154.97, clientId: 3)),
            .execDetails(reqId: -1, execution), .execDetailsEnd(reqId: 9),
            .commissionReport(TWSCommissionReport(execId: "0000e0d5.00000001.01.01", commission: 1, currency: "USD")),
            .commissionReport(TWSCommissionReport(execId: "x", commission: 1.25, currency: "USD", realizedPNL: -12.5, yield: nil, yieldRedemptionDate: nil)),
            .position(TWSPosition(account: "DU1", contract: contract, position: 10, avgCost: 155.07)),
            .positionEnd,
            .accountSummary(reqId: 9, account: "DU1", tag: "NetLiquidation", value: "100000.00", currency: "USD"),
            .accountSummaryEnd(reqId: 9), .accountDownloadEnd(account: "DU1"), .accountUpdateMultiEnd(reqId: 12),
            .headTimestamp(reqId: 13, timestamp: "20040819-13:30:00"),
            .accountValue(key: "NetLiquidation", value: "100000.00", currency: "USD", account: "DU1"),
            .portfolioValue(contract: TWSContract(conId: 265_598, symbol: "AAPL", secType: "STK", primaryExchange: "NASDAQ", currency: "USD",
                                                  localSymbol: "AAPL", tradingClass: "NMS"),
                            position: 10, marketPrice: 155.5, marketValue: 1555, averageCost: 150.1, unrealizedPNL: 54, realizedPNL: 0, account: "DU1"),
            .accountUpdateTime("16:00"),
        ]
    }
}

@Suite struct TWSCodecTests {
    @Test func everyRequestRoundTrips() throws {
        for (name, request) in TWSEncodingSamples.all {
            let frame = try request.frame()
            var buffer = TWSFrameBuffer()
            buffer.append(frame)
            let fields = try #require(try buffer.nextFields())
            #expect(try TWSRequest.decode(fields) == request, "\(name)")
        }
    }

    @Test func everyEventRoundTrips() throws {
        for event in EventSamples.all {
            let fields = try TWSFraming.fields(of: Array(try event.frame().dropFirst(4)))
            #expect(try TWSEvent.decode(fields) == event, "\(event)")
        }
    }

    /// Field counts at server version 178, as ibapi 10.50's decoder consumes them (docs/tws.md).
    @Test func serverMessageSizesMatchIbapiLayouts() throws {
        let sizes = Dictionary(EventSamples.all.map { ($0.fields()[0], $0.fields().count) }, uniquingKeysWith: { a, _ in a })
        #expect(sizes["5"] == 127)   // OPEN_ORDER: id + 126
        #expect(sizes["101"] == 96)  // COMPLETED_ORDER: id + 95
        #expect(sizes["10"] == 40)   // CONTRACT_DATA: id + 39 (no secIds)
        #expect(sizes["11"] == 32)   // EXECUTION_DATA: id + 31
        #expect(sizes["3"] == 12)    // ORDER_STATUS: id + 11
        #expect(sizes["61"] == 16)   // POSITION_DATA: id + version + 14
    }

    @Test func placeOrderHas113FieldsAndIbapiDefaults() throws {
        let fields = try #require(TWSEncodingSamples.all["placeOrder-parent"]).fields()
        #expect(fields.count == 114)
        #expect(fields[45] == "-1")  // exemptCode
        #expect(fields[109] == "2147483647" && fields[110] == "2147483647")  // duration, postToAts
        #expect(fields[91] == "1.7976931348623157e+308")  // triggerPrice unset as Python str()
    }

    @Test func unsetFormsAllDecodeAsNil() throws {
        let forms = ["", "2147483647", "9223372036854775807", "-9223372036854775808", "1.7976931348623157E308",
                     "1.7976931348623157e+308", "UNSET_DOUBLE"]
        for form in forms {
            var r = try TWSFieldReader(fields: ["1", form, form, form])
            #expect(try r.optionalDouble("d") == nil, "\(form)")
            #expect(try r.optionalDecimal("q") == nil, "\(form)")
            if Int(form) != nil || form.isEmpty || form.hasPrefix("UNSET") { #expect(try r.optionalInt("i") == nil, "\(form)") }
        }
        var r = try TWSFieldReader(fields: ["1", "", "", "1.5", "0"])
        #expect(try r.int("i") == 0)  // ibapi: empty int reads as 0
        #expect(try r.double("d") == 0)
        #expect(try r.optionalDouble("x") == 1.5)
        #expect(try r.bool("b") == false)
    }

    @Test func badFieldsNameMessageFieldAndExpectation() throws {
        var r = try TWSFieldReader(fields: ["3", "12", "abc"])
        _ = try r.int("orderId")
        #expect(throws: TWSProtocolError.badField(messageId: 3, index: 2, name: "status.filled", expected: "a decimal number", found: "abc")) {
            try r.decimal("status.filled")
        }
        #expect(throws: TWSProtocolError.truncated(messageId: 3, index: 3, name: "next")) { try r.string("next") }
        for bad in ["nan", "inf", "1e999", "0x10", "--1"] {
            var r2 = try TWSFieldReader(fields: ["1", bad])
            #expect(throws: TWSProtocolError.self) { try r2.double("price") }
        }
    }

    @Test func framingRejectsAbsurdLengthsAndUnterminatedPayloads() throws {
        var b = TWSFrameBuffer(maxLength: 1000)
        b.append([0, 0, 0x03, 0xE9])  // 1001
        #expect(throws: TWSProtocolError.badLength(1001, limit: 1000)) { try b.nextPayload() }
        var zero = TWSFrameBuffer()
        zero.append([0, 0, 0, 0])
        #expect(throws: TWSProtocolError.badLength(0, limit: TWSWire.maxMessageLength)) { try zero.nextPayload() }
        var huge = TWSFrameBuffer()
        huge.append([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: TWSProtocolError.self) { try huge.nextPayload() }
        #expect(throws: TWSProtocolError.unterminatedPayload(length: 2)) { try TWSFraming.fields(of: Array("49".utf8)) }
        #expect(throws: TWSProtocolError.self) { try TWSFraming.frame(["a\u{0}b"]) }
    }

    @Test func framesSplitAcrossReadsReassemble() throws {
        let frames = try [TWSRequest.reqCurrentTime.frame(), TWSRequest.reqPositions.frame()].reduce(Data(), +)
        var b = TWSFrameBuffer()
        var got: [[String]] = []
        for byte in frames {
            b.append([byte])
            while let f = try b.nextFields() { got.append(f) }
        }
        #expect(got == [["49", "1"], ["61", "1"]])
        #expect(b.pendingBytes == 0)
    }

    @Test func handshakeNegotiatesOnly178() throws {
        let hello = TWSHandshake.clientHello()
        #expect(Array(hello.prefix(4)) == TWSWire.apiPrefix)
        #expect(String(decoding: hello.dropFirst(8), as: UTF8.self) == "v157..178")
        #expect(try TWSHandshake.negotiate(TWSHandshake.parseClientVersions(Array("v100..226".utf8))) == 178)
        #expect(try TWSHandshake.parseClientVersions(Array("v100..226 +PACEAPI".utf8)).options == "+PACEAPI")
        #expect(throws: TWSProtocolError.self) { try TWSHandshake.negotiate(TWSHandshake.parseClientVersions(Array("v100..176".utf8))) }
        #expect(throws: TWSProtocolError.self) { try TWSHandshake.parseClientVersions(Array("v100.200".utf8)) }
        #expect(try TWSHandshake.parseServerHello(["178", "20250425 15:23:54 EST"]).serverVersion == 178)
        #expect(throws: TWSProtocolError.self) { try TWSHandshake.parseServerHello(["201", "x"]) }
        #expect(throws: TWSProtocolError.self) { try TWSHandshake.parseServerHello(["178", "x", "y"]) }
    }

    @Test func clientSessionReachesReadyAfterAccountsAndNextId() throws {
        var s = TWSClientSession(clientId: 7)
        var out = try s.receive(TWSFraming.frame(["178", "20250101 12:00:00 UTC"]))
        #expect(s.state == .starting)
        #expect(try TWSFraming.fields(of: Array(out.send.dropFirst(4))) == ["71", "2", "7", ""])
        out = try s.receive(TWSEvent.managedAccounts(["DU1"]).frame())
        #expect(s.state == .starting)
        out = try s.receive(TWSEvent.nextValidId(10).frame() + TWSEvent.currentTime(5).frame())
        #expect(s.state == .ready && out.events.count == 2)
        #expect(s.takeOrderId() == 10 && s.takeOrderId() == 11)
        s.useOrderId(atLeast: 50)
        #expect(s.takeOrderId() == 51)
        var bad = TWSClientSession(clientId: 1)
        #expect(throws: TWSProtocolError.self) { try bad.receive(TWSFraming.frame(["176", "t"])) }
        #expect(bad.state != .ready)
    }
}
