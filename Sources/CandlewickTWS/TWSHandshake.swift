import Foundation

/// The connection preamble, both sides.
///
/// Client: `API\0` then one framed string `v<min>..<max>[ options]`. Server: one framed message of
/// exactly two fields, `<serverVersion>\0<connectionTime>\0`. Then the client sends START_API.
public enum TWSHandshake {
    /// The bytes a client sends first: `API\0` + framed `v157..178`.
    public static func clientHello(minVersion: Int = TWSWire.clientMinVersion, maxVersion: Int = TWSWire.clientMaxVersion,
                                   options: String = "") -> Data {
        var text = "v\(minVersion)..\(maxVersion)"
        if !options.isEmpty { text += " \(options)" }
        var out = Data(TWSWire.apiPrefix)
        out.append(TWSFraming.framePayload(Data(text.utf8)))
        return out
    }

    /// The version range a client advertised, parsed from the framed string after `API\0`.
    public struct VersionRange: Sendable, Equatable {
        public let min: Int
        public let max: Int
        public let options: String
    }

    /// Parses `v<min>..<max>[ options]` (server side). Throws a clear handshake error otherwise.
    public static func parseClientVersions(_ payload: [UInt8]) throws -> VersionRange {
        guard payload.count < 200, let text = String(bytes: payload, encoding: .utf8) else {
            throw TWSProtocolError.handshake("version string is not short UTF-8 text")
        }
        let parts = text.split(separator: " ", maxSplits: 1)
        guard let range = parts.first, range.hasPrefix("v") else {
            throw TWSProtocolError.handshake("expected \"v<min>..<max>\", got \"\(text.prefix(40))\"")
        }
        let bounds = range.dropFirst().components(separatedBy: "..")
        let lo: Int?
        let hi: Int?
        if bounds.count == 2 { (lo, hi) = (Int(bounds[0]), Int(bounds[1])) } else if bounds.count == 1 { (lo, hi) = (Int(bounds[0]), Int(bounds[0])) } else { (lo, hi) = (nil, nil) }
        guard let lo, let hi, lo > 0, lo <= hi else {
            throw TWSProtocolError.handshake("expected \"v<min>..<max>\", got \"\(text.prefix(40))\"")
        }
        return VersionRange(min: lo, max: hi, options: parts.count > 1 ? String(parts[1]) : "")
    }

    /// The server's choice: `min(clientMax, 178)`, which must be exactly 178 (the only layouts we speak).
    public static func negotiate(_ range: VersionRange) throws -> Int {
        guard range.min <= TWSWire.serverVersion, range.max >= TWSWire.serverVersion else {
            throw TWSProtocolError.handshake("client range v\(range.min)..\(range.max) does not include \(TWSWire.serverVersion), the only version served")
        }
        return TWSWire.serverVersion
    }

    /// The server's reply fields: version and connection time `yyyyMMdd HH:mm:ss <zone>`.
    public static func serverHelloFields(version: Int, time: Date) -> [String] {
        [String(version), connectionTimeText(time)]
    }

    /// `yyyyMMdd HH:mm:ss UTC`.
    public static func connectionTimeText(_ time: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd HH:mm:ss"
        return f.string(from: time) + " UTC"
    }

    /// What the server answered (client side).
    public struct ServerHello: Sendable, Equatable {
        public let serverVersion: Int
        public let connectionTime: String
    }

    /// Parses the server's reply (client side). Anything but two fields with version 178 is refused:
    /// another version means layouts we do not implement (≥ 201 would even be binary).
    public static func parseServerHello(_ fields: [String]) throws -> ServerHello {
        guard fields.count == 2 else { throw TWSProtocolError.handshake("server reply has \(fields.count) fields, expected 2 (version, time)") }
        guard let v = Int(fields[0]) else { throw TWSProtocolError.handshake("server version \"\(fields[0].prefix(20))\" is not a number") }
        guard v == TWSWire.serverVersion else {
            throw TWSProtocolError.handshake("server chose version \(v); only \(TWSWire.serverVersion) is supported (protobuf starts at \(TWSWire.protobufThreshold))")
        }
        return ServerHello(serverVersion: v, connectionTime: fields[1])
    }
}
