import Foundation

/// The runs directory (one folder per run, each with its `report.html`): the list of past runs and the
/// files the console may serve from it. A requested path is checked segment by segment (no `..`, no
/// hidden names, no absolute paths) and resolved with symlinks followed; it must stay inside the
/// directory, or it is refused.
public struct RunFolders: Sendable {
    public let directory: String

    /// - Parameter directory: the runs directory (`tracker.directory`, or `--runs`).
    public init(directory: String) {
        self.directory = (directory as NSString).standardizingPath
    }

    /// One past run: its folder name, where its report is (relative to the folder), and when it last changed.
    public struct PastRun: Sendable, Equatable {
        public let name: String
        public let report: String
        public let modified: Date
    }

    /// The run folders that hold a report (`report.html`, or the tracker's `tracking/report.html`), newest first.
    public func pastRuns(limit: Int = 50) -> [PastRun] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        var runs: [PastRun] = []
        for name in names where Self.safeSegment(name) {
            for report in ["report.html", "tracking/report.html"] {
                let path = "\(directory)/\(name)/\(report)"
                if let attrs = try? fm.attributesOfItem(atPath: path), let modified = attrs[.modificationDate] as? Date {
                    runs.append(PastRun(name: name, report: report, modified: modified))
                    break
                }
            }
        }
        return Array(runs.sorted { ($0.modified, $0.name) > ($1.modified, $1.name) }.prefix(limit))
    }

    /// The past runs as JSON for the page: `[{"name","url","modified"}]`.
    public func pastRunsJSON(limit: Int = 50) -> Data {
        let list: [[String: String]] = pastRuns(limit: limit).map {
            ["name": $0.name, "url": "/runs/\($0.name)/\($0.report)", "modified": ISO8601DateFormatter().string(from: $0.modified)]
        }
        return (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
    }

    /// The file at `relative` (URL path segments after `/runs/`), or nil when the path is unsafe, escapes the
    /// runs directory (also through a symlink), or is not a regular file.
    public func resolve(_ relative: [String]) -> String? {
        guard !relative.isEmpty, relative.allSatisfy(Self.safeSegment) else { return nil }
        let candidate = ([directory] + relative).joined(separator: "/")
        let real = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard real.hasPrefix(root + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return real
    }

    /// A path segment the console accepts: not empty, no `/`, `\` or NUL, not starting with `.`.
    public static func safeSegment(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.contains("/") && !s.contains("\\") && !s.contains("\u{0}")
    }

    /// The content type for a file served from a run folder.
    public static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "png": "image/png"
        case "json": "application/json"
        case "csv": "text/csv; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
