import CandlewickBus
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A shared secret in a file (ib-paper's admin token): mode 0600, owned by this user, never logged.
public enum TokenFile {
    /// Reads the token at `path`; with `create`, makes a random one (256 bits, hex) when it is missing.
    public static func load(_ path: String, create: Bool) throws -> String {
        var st = stat()
        if stat(path, &st) != 0 {
            guard create else { throw KeyStoreError("\(path): no token file") }
            try PrivateDirectory.ensure((path as NSString).deletingLastPathComponent, what: "token directory", whenOpen: .tighten)
            var rng = SystemRandomNumberGenerator()  // the kernel's CSPRNG (getrandom)
            let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd < 0 && errno == EEXIST { return try load(path, create: false) }
            guard fd >= 0 else { throw KeyStoreError("\(path): \(String(cString: strerror(errno)))") }
            let line = Array((token + "\n").utf8)
            let n = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard n == line.count else { throw KeyStoreError("\(path): short write") }
            return token
        }
        guard st.st_uid == geteuid(), st.st_mode & 0o077 == 0 else {
            throw KeyStoreError("\(path) must belong to this user and have mode 0600 (it holds a secret)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw KeyStoreError("\(path): cannot read") }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16, !token.contains(" ") else { throw KeyStoreError("\(path): the token must be at least 16 characters without spaces") }
        return token
    }
}

extension ProcessContext {
    /// ib-paper's admin token file (`ib.paper_admin_token_file`, default `<security.keys>/ib-paper-admin.token`).
    public var paperAdminTokenFile: String {
        config[\.ibPaperAdminTokenFile]
    }
}
