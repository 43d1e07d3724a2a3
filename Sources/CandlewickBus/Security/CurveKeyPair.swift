import CZMQ
import CandlewickCore
import Foundation

/// A CURVE key pair in Z85 text (40 characters each), made by libzmq's `zmq_curve_keypair`.
/// Printing it shows only the public key id: the secret never reaches a log.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    public let publicKey: String
    let secretKey: String

    init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair. Throws when libzmq was built without CURVE (libsodium).
    public static func generate() throws -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw BusError.zmq("zmq_curve_keypair (is libzmq built with CURVE?)") }
        return CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    /// The short public id used in logs and the audit trail.
    public var keyId: String { KeyId.of(publicKey: publicKey) }

    public var description: String { "CurveKeyPair(key id \(keyId))" }

    /// The Z85 text of 32 raw key bytes (a ZAP request's credential).
    static func z85(_ bytes: Data) -> String? {
        guard bytes.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        let ok = bytes.withUnsafeBytes { raw in
            zmq_z85_encode(&out, raw.bindMemory(to: UInt8.self).baseAddress, 32) != nil
        }
        return ok ? text(out) : nil
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether this libzmq supports CURVE.
    public static var available: Bool { zmq_has("curve") == 1 }
}
