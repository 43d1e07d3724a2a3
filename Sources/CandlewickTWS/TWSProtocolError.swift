import Foundation

/// Anything wrong on the wire: framing, handshake, or a field that is missing or malformed.
/// Every case names what was expected, so a log line tells the reader where the bytes went wrong.
public enum TWSProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A length prefix of zero or above the limit.
    case badLength(Int, limit: Int)
    /// A payload that does not end with a NUL (the last field must be terminated).
    case unterminatedPayload(length: Int)
    /// A payload with no fields at all.
    case emptyMessage
    /// A field that could not be read: message id, 1-based field index (the id is field 0), name, expectation.
    case badField(messageId: Int, index: Int, name: String, expected: String, found: String)
    /// The message ended before a field.
    case truncated(messageId: Int, index: Int, name: String)
    /// The message id field is not a number, or is not one this side understands.
    case unknownMessage(id: String, direction: String)
    /// A handshake step that did not look right.
    case handshake(String)
    /// A field value that cannot be written (e.g. contains NUL).
    case unencodable(String)
    /// A feature present in the message that this subset does not implement.
    case unsupported(messageId: Int, feature: String)

    public var description: String {
        switch self {
        case .badLength(let n, let limit): "bad message length \(n) (must be 1...\(limit))"
        case .unterminatedPayload(let n): "payload of \(n) bytes does not end with NUL"
        case .emptyMessage: "empty message (no message id)"
        case .badField(let id, let index, let name, let expected, let found):
            "message \(id) field \(index) (\(name)): expected \(expected), found \"\(found.prefix(40))\""
        case .truncated(let id, let index, let name): "message \(id) truncated: field \(index) (\(name)) missing"
        case .unknownMessage(let id, let direction): "unknown \(direction) message id \"\(id.prefix(20))\""
        case .handshake(let what): "handshake: \(what)"
        case .unencodable(let what): "cannot encode: \(what)"
        case .unsupported(let id, let feature): "message \(id): unsupported feature \(feature)"
        }
    }
}
