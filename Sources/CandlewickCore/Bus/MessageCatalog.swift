import Foundation

extension MarketData: BusPayload { public static let messageType = "market_data" }
extension TechnicalIndicators: BusPayload { public static let messageType = "indicators" }
extension TradingSignal: BusPayload { public static let messageType = "signal" }
extension Order: BusPayload { public static let messageType = "order.update" }
extension Trade: BusPayload { public static let messageType = "trade" }
extension Portfolio: BusPayload { public static let messageType = "portfolio" }

/// Why a frame was refused. Stable strings: they are counter names and log fields.
public enum RejectionReason: String, Sendable, CaseIterable, Codable {
    /// Fewer than two frames, or a topic frame that does not match the envelope type.
    case badFraming = "bad_framing"
    /// The JSON frame is not a valid envelope header.
    case notEnvelope = "not_envelope"
    /// The envelope type is not in the catalog.
    case unknownType = "unknown_type"
    /// The payload failed decoding or validation.
    case invalidPayload = "invalid_payload"
    /// Attachment frames do not match the envelope's attachment list.
    case attachmentMismatch = "attachment_mismatch"
    /// The message is larger than the configured maximum.
    case oversized
}

/// A refused frame: the reason and a human-readable detail naming what was wrong.
public struct BusRejection: Error, Sendable, CustomStringConvertible {
    public let reason: RejectionReason
    public let detail: String

    public init(_ reason: RejectionReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// Maps envelope types to the payload types that decode (and validate) them.
public struct MessageCatalog: Sendable {
    typealias Decode = @Sendable (Data, JSONDecoder) throws -> (EnvelopeHeader, any BusPayload)
    typealias DecodePayload = @Sendable (Data, JSONDecoder) throws -> any BusPayload
    private var decoders: [String: Decode] = [:]
    private var payloadDecoders: [String: DecodePayload] = [:]

    public init() {}

    /// Every message type Candlewick defines.
    public static let standard: MessageCatalog = {
        var c = MessageCatalog()
        c.register(Heartbeat.self)
        c.register(Probe.self)
        c.register(MarketData.self)
        c.register(TechnicalIndicators.self)
        c.register(ChartJob.self)
        c.register(ChartJobResult.self)
        c.register(AnalysisJob.self)
        c.register(AnalysisResult.self)
        c.register(TradingSignal.self)
        c.register(Order.self)
        c.register(Trade.self)
        c.register(Portfolio.self)
        c.register(MarketDataRequest.self)
        c.register(GatewayFailure.self)
        for t: any BusPayload.Type in [OrderPlan.self, OrderAck.self, OrderRejection.self, CancelRequest.self, SnapshotRequest.self,
                                       BrokerOrder.self, TradeExecution.self, BrokerSnapshot.self, BrokerTime.self, PortfolioRequest.self,
                                       SignalSubmission.self, RouterDecision.self, TradingCommand.self, TradingStateReport.self] {
            c.register(t)
        }
        c.register(RunStarted.self)
        c.register(SymbolRecord.self)
        c.register(RunFinished.self)
        c.register(LiveSymbolRecord.self)
        return c
    }()

    /// Adds a payload type under its `messageType`.
    public mutating func register<P: BusPayload>(_ type: P.Type) {
        decoders[P.messageType] = { data, decoder in
            let e = try decoder.decode(Envelope<P>.self, from: data)
            return (e.header, e.payload)
        }
        payloadDecoders[P.messageType] = { data, decoder in try CandlewickJSON.decodeFast(P.self, from: data, fallback: decoder) }
    }

    /// Decodes the payload JSON alone (the `payload` value cut out of an envelope by
    /// `EnvelopeReader`), nil when `type` is not registered or the payload does not decode. The
    /// caller then decodes the whole envelope to find out why.
    public func decodePayloadAlone(type: String, json data: Data, decoder: JSONDecoder) -> (any BusPayload)? {
        guard let decode = payloadDecoders[type] else { return nil }
        return try? decode(data, decoder)
    }

    /// The registered type names, sorted.
    public var types: [String] { decoders.keys.sorted() }

    /// Whether `type` is registered.
    public func knows(_ type: String) -> Bool { decoders[type] != nil }

    /// Decodes a whole envelope of `type` (header and payload) in one parse; throws on any problem.
    public func decodeEnvelope(type: String, json data: Data, decoder: JSONDecoder) throws -> (EnvelopeHeader, any BusPayload) {
        guard let decode = decoders[type] else { throw BusRejection(.unknownType, "unknown message type \"\(type)\"") }
        return try decode(data, decoder)
    }

    /// Decodes the payload of the envelope JSON `data` whose header says `type`.
    /// Throws `BusRejection` (`unknown_type` or `invalid_payload`) naming what was wrong.
    public func decodePayload(type: String, envelopeJSON data: Data, decoder: JSONDecoder) throws -> any BusPayload {
        guard let decode = decoders[type] else {
            throw BusRejection(.unknownType, "unknown message type \"\(type)\"")
        }
        do {
            return try decode(data, decoder).1
        } catch {
            throw BusRejection(.invalidPayload, "\(type) payload: \(DecodingErrorText.describe(error))")
        }
    }
}

/// Turns `DecodingError`s into one line naming the JSON path and the problem.
public enum DecodingErrorText {
    public static func describe(_ error: any Error) -> String {
        if let e = error as? ModelValidationError { return e.description }
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "(root)" : String(p.drop { $0 == "." })
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx)
            return "missing field \(p == "(root)" ? key.stringValue : p + "." + key.stringValue)"
        case .typeMismatch(let t, let ctx): return "\(path(ctx)): expected \(t) — \(ctx.debugDescription)"
        case .valueNotFound(let t, let ctx): return "\(path(ctx)): expected \(t), found null"
        case .dataCorrupted(let ctx):
            if let underlying = ctx.underlyingError as? ModelValidationError { return underlying.description }
            return "\(path(ctx)): \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
