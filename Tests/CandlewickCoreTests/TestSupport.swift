import CandlewickCore
import Foundation
import Testing

/// Asserts that `body` throws a `ModelValidationError` for `field` (and returns it).
@discardableResult
func expectRejected(_ field: String, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () throws -> Void) -> ModelValidationError? {
    do {
        try body()
        Issue.record("expected \(field) to be rejected, but the value was accepted", sourceLocation: sourceLocation)
        return nil
    } catch let e as ModelValidationError {
        #expect(e.field == field, "rejected field \(e.field) (\(e.rule)), expected \(field)", sourceLocation: sourceLocation)
        #expect(e.description.contains(field), sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("expected ModelValidationError for \(field), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Encodes then decodes `value` and checks equality.
func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let data = try CandlewickJSON.encode(value)
    let back = try CandlewickJSON.decode(T.self, from: data)
    #expect(back == value, sourceLocation: sourceLocation)
}

/// Decodes JSON text as `T` and expects a validation error naming `field`.
func expectDecodeRejected<T: Decodable>(_ type: T.Type, _ json: String, field: String,
                                        sourceLocation: SourceLocation = #_sourceLocation) {
    expectRejected(field, sourceLocation: sourceLocation) { _ = try CandlewickJSON.decode(T.self, from: Data(json.utf8)) }
}

let t0 = Date(timeIntervalSince1970: 1_700_000_000)

func bar(_ day: Int, _ o: Decimal, _ h: Decimal, _ l: Decimal, _ c: Decimal, _ v: Decimal = 1000) throws -> OHLCVBar {
    try OHLCVBar(timestamp: t0.addingTimeInterval(Double(day) * 86_400), open: o, high: h, low: l, close: c, volume: v)
}
