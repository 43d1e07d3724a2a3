import CandlewickConsole
import Foundation
import Testing

@Suite struct ListenAddressTests {
    @Test func loopbackIsAcceptedAndAnythingElseNeedsTheFlag() throws {
        #expect(try ListenAddress("127.0.0.1:8765", insecureAllowed: false) == ListenAddress("127.0.0.1:8765", insecureAllowed: true))
        #expect(try ListenAddress("[::1]:9000", insecureAllowed: false).host == "::1")
        #expect(try ListenAddress("localhost:1", insecureAllowed: false).port == 1)
        #expect(throws: ConsoleSettingsError.self) { try ListenAddress("0.0.0.0:8765", insecureAllowed: false) }
        #expect(throws: ConsoleSettingsError.self) { try ListenAddress("192.168.1.5:8765", insecureAllowed: false) }
        #expect(try ListenAddress("0.0.0.0:8765", insecureAllowed: true).isLoopback == false)
    }

    @Test func malformedAddressesNameWhatIsWrong() {
        for (text, words) in [("8765", "HOST:PORT"), (":8765", "host is empty"), ("127.0.0.1:http", "port"), ("127.0.0.1:70000", "port")] {
            do {
                _ = try ListenAddress(text, insecureAllowed: true)
                Issue.record("\(text) accepted")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }
}

@Suite struct OperatorCredentialTests {
    @Test func aFileOthersCanReadIsRefusedAndAPrivateOneIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-cred-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/credential"
        try "0123456789abcdef-secret\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: ConsoleSettingsError.self) { try OperatorCredential.load(file: path, environment: [:]) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try OperatorCredential.load(file: path, environment: [:]) == "0123456789abcdef-secret")
    }

    @Test func theEnvironmentIsUsedWithoutAFileAndAShortSecretIsRefused() throws {
        #expect(try OperatorCredential.load(file: nil, environment: [:]) == nil)
        #expect(try OperatorCredential.load(file: nil, environment: [OperatorCredential.environmentName: "long enough secret!"]) == "long enough secret!")
        #expect(throws: ConsoleSettingsError.self) { try OperatorCredential.load(file: nil, environment: [OperatorCredential.environmentName: "short"]) }
    }
}

@Suite struct RunFoldersTests {
    @Test func onlyFilesInsideTheRunsDirectoryAreServed() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cw-runs-\(UUID().uuidString)").path
        let runs = base + "/runs"
        try FileManager.default.createDirectory(atPath: runs + "/run-1/charts", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "<html>".write(toFile: runs + "/run-1/report.html", atomically: true, encoding: .utf8)
        try "secret".write(toFile: base + "/outside.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: runs + "/run-1/escape.txt", withDestinationPath: base + "/outside.txt")
        let folders = RunFolders(directory: runs)
        #expect(folders.resolve(["run-1", "report.html"]) != nil)
        #expect(folders.resolve(["..", "outside.txt"]) == nil)
        #expect(folders.resolve(["run-1", "..", "..", "outside.txt"]) == nil)
        #expect(folders.resolve(["run-1/../../outside.txt"]) == nil)
        #expect(folders.resolve(["run-1", "escape.txt"]) == nil, "a symlink out of the runs directory")
        #expect(folders.resolve(["run-1", "charts"]) == nil, "a directory")
        #expect(folders.resolve([]) == nil)
        #expect(folders.pastRuns().map(\.name) == ["run-1"])
        #expect(folders.pastRuns().first?.report == "report.html")
    }
}
