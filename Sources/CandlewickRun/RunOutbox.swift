import CandlewickBus
import CandlewickCore
import Foundation
import Synchronization

/// The run owner's side of the audit trail: numbers the run's tracking records 1, 2, 3 … (a
/// `TrailPosition` in each payload) and keeps every one, before it is published, in the run
/// folder's outbox — `<seq, 6 digits>.json` (the envelope exactly as published) and
/// `<seq>-<index>.bin` (its attachments), each written to a temporary name, fsynced and renamed,
/// the envelope last. A tracker that was down reads what it missed back from there
/// (docs/tracking.md). A record that cannot be kept or sent is logged and never fails the run.
public final class RunOutbox: Sendable {
    /// The outbox directory (absolute), or nil when records are only numbered (no run folder).
    public let directory: String?
    private let state = Mutex<(seq: Int, symbols: [String])>((0, []))

    public init(directory: String?) {
        self.directory = directory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// Numbers `record`, keeps it in the outbox, then hands its frames to `sink`. Throws only when
    /// the frames could not be queued (the record is then in the outbox for the tracker to read).
    /// - Returns: where keeping the record failed, if it did (the record was still published).
    @discardableResult
    public func publish(_ record: RunPipeline.RunRecord, runId: String, now: Date, publisher: BusPublisher, sink: any FrameSink) throws
        -> String?
    {
        let position = try state.withLock { s -> TrailPosition in
            s.seq += 1
            if case .symbol(let r, _) = record { s.symbols.append(r.symbol) }
            if case .finished = record { return try TrailPosition(seq: s.seq, outbox: directory, symbols: s.symbols) }
            return try TrailPosition(seq: s.seq, outbox: directory)
        }
        var keepFailure: String?
        func deliver(_ frames: [Data]) throws {
            do { try keep(frames, seq: position.seq) } catch { keepFailure = "\(error)" }
            try sink.send(frames)
        }
        switch record {
        case .started(let symbols, let params):
            let p = try RunStarted(runId: runId, symbols: symbols, params: params, startedAt: now, trail: position)
            try publisher.stamp(p, runId: runId, causationId: nil, attachments: [], deliver: deliver)
        case .symbol(let r, let charts):
            try publisher.stamp(try r.at(position), runId: runId, causationId: nil, attachments: charts, deliver: deliver)
        case .finished(let status, let totals):
            let p = try RunFinished(runId: runId, status: status, totals: totals, finishedAt: now, trail: position)
            try publisher.stamp(p, runId: runId, causationId: nil, attachments: [], deliver: deliver)
        }
        return keepFailure
    }

    /// Writes one record's frames (after the topic) durably: attachments first, the envelope last.
    func keep(_ frames: [Data], seq: Int) throws {
        guard let directory else { return }
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw OutboxError(path: directory, message: "cannot create: \(error.localizedDescription)")
        }
        let base = String(format: "%06d", seq)
        for (i, data) in frames.dropFirst(2).enumerated() { try Self.write(data, to: "\(directory)/\(base)-\(i).bin") }
        guard frames.count >= 2 else { return }
        try Self.write(frames[1], to: "\(directory)/\(base).json")
        let fd = open(directory, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }

    static func write(_ data: Data, to path: String) throws {
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data), let h = FileHandle(forWritingAtPath: tmp) else {
            throw OutboxError(path: tmp, message: "cannot write")
        }
        try? h.synchronize()
        try? h.close()
        guard rename(tmp, path) == 0 else { throw OutboxError(path: path, message: "rename failed (errno \(errno))") }
    }
}

/// The outbox could not be written: the path and the reason.
public struct OutboxError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "outbox \(path): \(message)" }
}
