/// The private directory the single-host `ipc://` endpoints live in (`bus.directory`).
///
/// The operator chooses it, so an open one is refused rather than changed: see `PrivateDirectory`.
public enum BusDirectory {
    /// The default `bus.directory` (the one place it is spelled).
    public static let defaultPath = "/tmp/candlewick"

    /// Creates `path` with mode 0700 when it is missing, then checks that it is a directory owned by this
    /// user that neither group nor others may write to.
    public static func prepare(_ path: String) throws {
        try PrivateDirectory.ensure(path, what: "bus directory", whenOpen: .refuse, setting: "bus.directory")
    }
}
