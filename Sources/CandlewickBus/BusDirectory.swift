import Foundation

/// The private directory the single-host `ipc://` endpoints live in (`bus.directory`).
///
/// Whoever can write to it can put a socket where a process expects the proxy or a work queue, so it
/// must belong to this user and be closed to everybody else: `prepare` creates it with mode 0700 and
/// refuses one that another user owns or that group or others may write to.
public enum BusDirectory {
    /// The default `bus.directory` (the one place it is spelled).
    public static let defaultPath = "/tmp/candlewick"

    /// A bus directory that may not be used, and why.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "bus directory \(path): \(reason)" }
    }

    /// Creates `path` with mode 0700 when it is missing (its parents as usual), then checks that it is a
    /// directory owned by this user that neither group nor others may write to.
    public static func prepare(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw Refusal(path: path, reason: "cannot inspect it: \(String(cString: strerror(errno)))") }
            try createPrivate(path)
            guard lstat(path, &info) == 0 else { throw Refusal(path: path, reason: "cannot inspect it after creating it: \(String(cString: strerror(errno)))") }
        }
        try check(path, info)
    }

    /// Creates a missing directory with mode 0700 (parents with the default mode); an existing one is left alone.
    public static func createPrivate(_ path: String) throws {
        guard !path.isEmpty else { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
            do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw Refusal(path: path, reason: "cannot create its parent \(parent): \(error.localizedDescription)")
            }
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw Refusal(path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
    }

    static func check(_ path: String, _ info: stat) throws {
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw Refusal(path: path, reason: "is not a directory (a symbolic link or file is refused); remove it or set bus.directory")
        }
        guard info.st_uid == geteuid() else {
            throw Refusal(path: path, reason: "is owned by uid \(info.st_uid), not by this user (uid \(geteuid())); "
                + "another user could serve the bus there: remove it or set bus.directory to a directory of your own")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o022 == 0 else {
            throw Refusal(path: path, reason: "is writable by group or others (mode \(String(mode, radix: 8))); "
                + "run chmod 700 \(path) or set bus.directory to a private directory")
        }
    }
}
