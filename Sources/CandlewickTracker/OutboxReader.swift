import CandlewickBus
import CandlewickCore
import Foundation

/// Reads a run owner's outbox (`<seq>.json` + `<seq>-<index>.bin`, see `TrailPosition`) back as
/// bus messages: the same envelope (so the spool's de-duplication by envelope id applies), checked
/// by the bus codec and against each attachment's declared sha256.
public struct OutboxReader: Sendable {
    public let codec: FrameCodec

    public init(codec: FrameCodec = FrameCodec()) {
        self.codec = codec
    }

    /// The record numbers present in `directory` (an envelope file is written last, so its presence
    /// means the record is whole), ascending; empty when the directory is missing.
    public static func numbers(in directory: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(".json"), name.count == 11 else { return nil }
            return Int(name.prefix(6))
        }.sorted()
    }

    /// The outbox directories under `root` (`<root>/<run folder>/outbox`), for a tracker that was
    /// down while whole runs went by.
    public static func outboxes(under root: String) -> [String] {
        let fm = FileManager.default
        let folders = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        return folders.sorted().map { "\(root)/\($0)/outbox" }.filter { !numbers(in: $0).isEmpty }
    }

    /// Record `seq` of the outbox in `directory`. Throws an `OutboxReadError` naming the file and what was wrong.
    public func read(_ directory: String, seq: Int) throws -> BusMessage {
        let base = "\(directory)/" + String(format: "%06d", seq)
        let fm = FileManager.default
        guard let json = fm.contents(atPath: base + ".json") else { throw OutboxReadError(path: base + ".json", message: "missing") }
        let header: EnvelopeHeader
        do { header = try CandlewickJSON.decoder().decode(EnvelopeHeader.self, from: json) } catch {
            throw OutboxReadError(path: base + ".json", message: "not an envelope: \(error)")
        }
        var frames = [Data(header.type.utf8), json]
        for info in header.attachments {
            let path = "\(base)-\(info.index).bin"
            guard let data = fm.contents(atPath: path) else { throw OutboxReadError(path: path, message: "attachment \(info.name) missing") }
            guard SHA256Digest.hex(of: data) == info.sha256 else {
                throw OutboxReadError(path: path, message: "attachment \(info.name) does not match its sha256")
            }
            frames.append(data)
        }
        do { return try codec.decode(frames) } catch { throw OutboxReadError(path: base + ".json", message: "\(error)") }
    }
}

/// An outbox record could not be read back: the file and the reason.
public struct OutboxReadError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "outbox \(path): \(message)" }
}
