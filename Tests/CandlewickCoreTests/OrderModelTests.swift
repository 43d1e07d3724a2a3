import CandlewickCore
import Foundation
import Testing

@Suite("Order, Trade and Portfolio validation")
struct OrderModelTests {
    @Test func limitOrderRoundTripsWithRemaining() throws {
        let o = try Order(symbol: "AAPL", side: .buy, quantity: 10, orderType: .limit, limitPrice: 100, filledQuantity: 4,
                          orderRef: "cw-1")
        #expect(o.remainingQuantity == 6)
        try roundTrip(o)
        #expect(String(decoding: try CandlewickJSON.encode(o), as: UTF8.self).contains("\"remaining_quantity\":6"))
    }

    @Test func quantityMustBePositive() {
        expectRejected("quantity") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 0, orderType: .market) }
        expectRejected("quantity") { _ = try Order(symbol: "AAPL", side: .buy, quantity: -1, orderType: .market) }
    }

    @Test func pricesRequiredByType() {
        expectRejected("limit_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .limit) }
        expectRejected("limit_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .stopLimit, stopPrice: 5) }
        expectRejected("stop_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .stop) }
        expectRejected("stop_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .stopLimit, limitPrice: 5) }
        expectRejected("limit_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .market, limitPrice: 5) }
        expectRejected("limit_price") { _ = try Order(symbol: "AAPL", side: .buy, quantity: 1, orderType: .limit, limitPrice: 0) }
    }

    @Test func filledQuantityBounded() {
        expectRejected("filled_quantity") {
            _ = try Order(symbol: "AAPL", side: .buy, quantity: 5, orderType: .market, filledQuantity: 6)
        }
        expectRejected("filled_quantity") {
            _ = try Order(symbol: "AAPL", side: .buy, quantity: 5, orderType: .market, filledQuantity: -1)
        }
    }

    @Test func decodingOrderRejectsMissingLimit() {
        expectDecodeRejected(Order.self, #"{"symbol":"AAPL","side":"BUY","quantity":5,"order_type":"LIMIT"}"#, field: "limit_price")
    }

    @Test func tradeAggregatesExecutions() throws {
        let e1 = try TradeExecution(executionId: "e1", symbol: "AAPL", side: .buy, quantity: 4, price: 100, commission: 1, timestamp: t0)
        let e2 = try TradeExecution(executionId: "e2", symbol: "AAPL", side: .buy, quantity: 6, price: 105, commission: 1.5, timestamp: t0)
        let t = try Trade(symbol: "AAPL", side: .buy, orderRef: "cw-1", executions: [e1, e2])
        #expect(t.totalQuantity == 10)
        #expect(t.averagePrice == 103)
        #expect(t.totalCommission == 2.5)
        #expect(t.notional == 1030)
        try roundTrip(t)
    }

    @Test func tradeRejectsMixedExecutions() throws {
        let e1 = try TradeExecution(executionId: "e1", symbol: "AAPL", side: .buy, quantity: 4, price: 100, timestamp: t0)
        let e2 = try TradeExecution(executionId: "e2", symbol: "MSFT", side: .buy, quantity: 4, price: 100, timestamp: t0)
        let e3 = try TradeExecution(executionId: "e1", symbol: "AAPL", side: .buy, quantity: 1, price: 100, timestamp: t0)
        let e4 = try TradeExecution(executionId: "e4", symbol: "AAPL", side: .sell, quantity: 1, price: 100, timestamp: t0)
        expectRejected("executions[1].symbol") { _ = try Trade(symbol: "AAPL", side: .buy, executions: [e1, e2]) }
        expectRejected("executions") { _ = try Trade(symbol: "AAPL", side: .buy, executions: [e1, e3]) }
        expectRejected("executions[1].side") { _ = try Trade(symbol: "AAPL", side: .buy, executions: [e1, e4]) }
    }

    @Test func executionRules() {
        expectRejected("execution_id") { _ = try TradeExecution(executionId: "", symbol: "AAPL", side: .buy, quantity: 1, price: 1, timestamp: t0) }
        expectRejected("quantity") { _ = try TradeExecution(executionId: "e", symbol: "AAPL", side: .buy, quantity: 0, price: 1, timestamp: t0) }
        expectRejected("price") { _ = try TradeExecution(executionId: "e", symbol: "AAPL", side: .buy, quantity: 1, price: 0, timestamp: t0) }
        expectRejected("commission") {
            _ = try TradeExecution(executionId: "e", symbol: "AAPL", side: .buy, quantity: 1, price: 1, commission: -1, timestamp: t0)
        }
    }

    @Test func portfolioComputations() throws {
        let aapl = try Position(symbol: "AAPL", quantity: 10, averageCost: 100, marketPrice: 110)
        let msft = try Position(symbol: "MSFT", quantity: -5, averageCost: 300, marketPrice: 310, realizedPnl: 20)
        let p = try Portfolio(account: "DU123", cash: 10_000, positions: [aapl, msft], timestamp: t0)
        #expect(aapl.marketValue == 1100 && aapl.unrealizedPnl == 100)
        #expect(msft.marketValue == -1550 && msft.unrealizedPnl == -50)
        #expect(p.totalValue == 9550)
        #expect(p.hasPosition("AAPL") && !p.hasPosition("TSLA"))
        #expect(p.position(for: "MSFT")?.quantity == -5)
        #expect(p.largestPosition?.symbol == "MSFT")
        #expect(abs(p.cashPercentage - 10_000 / 9550 * 100) < 1e-9)
        #expect(p.isProfitable) // 100 − 50 + 20
        try roundTrip(p)
    }

    @Test func positionAndPortfolioRules() throws {
        expectRejected("quantity") { _ = try Position(symbol: "AAPL", quantity: 0, averageCost: 1, marketPrice: 1) }
        expectRejected("average_cost") { _ = try Position(symbol: "AAPL", quantity: 1, averageCost: 0, marketPrice: 1) }
        expectRejected("market_price") { _ = try Position(symbol: "AAPL", quantity: 1, averageCost: 1, marketPrice: -1) }
        let a = try Position(symbol: "AAPL", quantity: 1, averageCost: 1, marketPrice: 1)
        expectRejected("positions") { _ = try Portfolio(cash: 0, positions: [a, a], timestamp: t0) }
        expectRejected("cash") { _ = try Portfolio(cash: .nan, positions: [], timestamp: t0) }
        let empty = try Portfolio(cash: 0, positions: [], timestamp: t0)
        #expect(empty.cashPercentage == 0 && empty.largestPosition == nil && !empty.isProfitable)
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256Digest.hex(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex(of: Data(repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func incrementalEqualsOneShot() {
        let data = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var d = SHA256Digest()
        for chunk in stride(from: 0, to: data.count, by: 37) { d.update(data[chunk..<min(chunk + 37, data.count)]) }
        #expect(d.finalizeHex() == SHA256Digest.hex(of: data))
    }

    /// Every length from 0 to 299 bytes (each padding case: 55, 56, 63, 64 bytes and multi-block) against Python's
    /// hashlib: the digest of the 300 hex digests joined, computed there as
    /// `sha256("".join(sha256(bytes((i*31+n)&0xff for i in range(n))).hexdigest() for n in range(300)).encode())`.
    @Test func lengthsAgainstHashlib() {
        let joined = (0..<300).map { n in SHA256Digest.hex(of: Data((0..<n).map { UInt8(truncatingIfNeeded: $0 * 31 + n) })) }.joined()
        #expect(SHA256Digest.hex(of: joined) == "74773516b960dde1173b3e3eb3847958a018c15e3eac59459343cd38c3aca031")
        #expect(SHA256Digest.hex(of: "héllo ✓ 𝄞") == "aba05606790661dbbd8dd839fb77a9aae31d3f138fcc28a75aa14e35c536e5f0")
    }
}
