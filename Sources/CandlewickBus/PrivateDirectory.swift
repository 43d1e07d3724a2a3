import Foundation

/// Directories that hold secrets or sockets (`bus.directory`, the key and token directories): created
/// with mode 0700, and refused when they are not a plain directory of this user.
///
/// The one place the rules live. Whoever can write to such a directory can put a socket where a process
/// expects the proxy or a work queue, or replace a key, so it must belong to this user and be closed to
/// everybody else.
public enum PrivateDirectory {
    /// What to do with an existing directory of ours that group or others may use.
    public enum WhenOpen: Sendable {
        /// Refuse it when group or others may write to it (the operator chose it: say so, change nothing).
        case refuse
        /// Remove every group and other permission (a directory Candlewick created or owns outright).
        case tighten
    }

    /// A directory that may not be used, and why.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let path: String
        /// What the directory is for ("bus directory", "key directory", …).
        public let what: String
        public let reason: String
        public var description: String { "\(what) \(path): \(reason)" }
    }

    /// Creates a missing directory with mode 0700 (its parents with the default mode); an existing one is
    /// left as it is (a socket's own directory: `ensure` is what checks one).
    public static func createIfMissing(_ path: String, what: String) throws {
        guard !path.isEmpty, !FileManager.default.fileExists(atPath: path) else { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, !FileManager.default.fileExists(atPath: parent) {
            do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw Refusal(path: path, what: what, reason: "cannot create its parent \(parent): \(error.localizedDescription)")
            }
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw Refusal(path: path, what: what, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
    }

    /// Creates `path` with mode 0700 when it is missing (its parents with the default mode), then checks
    /// that it is a directory (not a symbolic link or a file) owned by this user, and applies `whenOpen`.
    /// `setting` names the config key a user can change instead (used in the advice of a refusal).
    /// Returns true when it tightened the mode of an existing directory.
    @discardableResult
    public static func ensure(_ path: String, what: String, whenOpen: WhenOpen, setting: String? = nil) throws -> Bool {
        func refuse(_ reason: String) -> Refusal { Refusal(path: path, what: what, reason: reason) }
        let orSet = setting.map { " or set \($0)" } ?? ""
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw refuse("cannot inspect it: \(String(cString: strerror(errno)))") }
            try createIfMissing(path, what: what)
            guard lstat(path, &info) == 0 else { throw refuse("cannot inspect it after creating it: \(String(cString: strerror(errno)))") }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw refuse("is not a directory (a symbolic link or file is refused); remove it\(orSet)")
        }
        guard info.st_uid == geteuid() else {
            throw refuse("is owned by uid \(info.st_uid), not by this user (uid \(geteuid())); "
                + "another user could read or replace what it holds: remove it\(orSet.isEmpty ? " or use a directory of your own" : "\(orSet) to a directory of your own")")
        }
        let mode = info.st_mode & 0o777
        switch whenOpen {
        case .refuse:
            guard mode & 0o022 == 0 else {
                throw refuse("is writable by group or others (mode \(String(mode, radix: 8))); run chmod 700 \(path)\(orSet.isEmpty ? "" : "\(orSet) to a private directory")")
            }
            return false
        case .tighten:
            guard mode & 0o077 != 0 else { return false }
            guard chmod(path, 0o700) == 0 else { throw refuse("chmod 700 failed: \(String(cString: strerror(errno)))") }
            return true
        }
    }
}
