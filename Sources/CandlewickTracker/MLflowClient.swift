import CandlewickHTTP
import Foundation
import Synchronization

/// Why an MLflow call failed. `retryable` failures (no connection, timeouts, 401/403, 408/429,
/// 5xx, a non-JSON page from a proxy or a wrong URL) leave the record in the spool to be tried
/// again; the others (MLflow's JSON 4xx errors, 413) are the record's fault: reported and skipped.
public struct MLflowError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let status: Int?
    public let code: String?
    public let retryable: Bool
    public let message: String

    public var description: String {
        "MLflow \(call): " + (status.map { "HTTP \($0) " } ?? "") + (code.map { "\($0): " } ?? "") + message
    }
}

/// Credentials from the environment, as the MLflow Python client reads them: username and
/// password (Basic) take precedence over a token (Bearer). Never logged; `description` hides them.
public struct MLflowAuth: Sendable, CustomStringConvertible {
    let header: String?

    public init(environment: [String: String]) {
        if let u = environment["MLFLOW_TRACKING_USERNAME"], let p = environment["MLFLOW_TRACKING_PASSWORD"], !u.isEmpty {
            header = "Basic " + Data("\(u):\(p)".utf8).base64EncodedString()
        } else if let t = environment["MLFLOW_TRACKING_TOKEN"], !t.isEmpty {
            header = "Bearer \(t)"
        } else {
            header = nil
        }
    }

    public var description: String {
        guard let header else { return "none" }
        return header.hasPrefix("Basic") ? "basic (MLFLOW_TRACKING_USERNAME)" : "bearer (MLFLOW_TRACKING_TOKEN)"
    }
}

/// The MLflow REST calls the tracker needs, over libcurl. Stateless and `Sendable`.
public struct MLflowClient: Sendable {
    public let baseURL: String
    private let auth: MLflowAuth
    private let http = HTTPClient()
    private let timeout: Double

    public init(baseURL: String, auth: MLflowAuth, timeout: Double = 15) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.auth = auth
        self.timeout = timeout
    }

    // MARK: experiments

    /// The id of the experiment `name`, created if missing and restored if deleted.
    public func experimentId(name: String) async throws -> String {
        struct Got: Decodable { struct E: Decodable { let experiment_id: String; let lifecycle_stage: String? }; let experiment: E }
        struct Created: Decodable { let experiment_id: String }
        let query = "experiment_name=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        do {
            let got: Got = try await call("GET", "experiments/get-by-name?\(query)", body: Optional<[String: String]>.none)
            if got.experiment.lifecycle_stage == "deleted" {
                let _: Empty = try await call("POST", "experiments/restore", body: ["experiment_id": got.experiment.experiment_id])
            }
            return got.experiment.experiment_id
        } catch let e as MLflowError where e.status == 404 {
            do {
                let created: Created = try await call("POST", "experiments/create", body: ["name": name])
                return created.experiment_id
            } catch let e as MLflowError where e.code == "RESOURCE_ALREADY_EXISTS" {
                let got: Got = try await call("GET", "experiments/get-by-name?\(query)", body: Optional<[String: String]>.none)
                return got.experiment.experiment_id
            }
        }
    }

    // MARK: runs

    /// A run as the tracker needs it.
    public struct RunHandle: Sendable, Hashable {
        public let runId: String
        public let artifactURI: String
    }

    struct RunInfoBody: Decodable { let run_id: String; let artifact_uri: String?; let lifecycle_stage: String? }
    struct RunBody: Decodable { let info: RunInfoBody }

    /// Active runs of `experimentId` whose tags equal `tags` (oldest first).
    public func findRuns(experimentId: String, tags: [String: String]) async throws -> [RunHandle] {
        struct Search: Encodable { let experiment_ids: [String]; let filter: String; let run_view_type: String; let max_results: Int; let order_by: [String] }
        struct Found: Decodable { let runs: [RunBody]? }
        let filter = tags.sorted { $0.key < $1.key }
            .map { "tags.\($0.key) = '\($0.value.replacingOccurrences(of: "'", with: "\\'"))'" }.joined(separator: " and ")
        let found: Found = try await call("POST", "runs/search", body: Search(
            experiment_ids: [experimentId], filter: filter, run_view_type: "ACTIVE_ONLY", max_results: 10,
            order_by: ["attributes.start_time ASC"]))
        return (found.runs ?? []).map { RunHandle(runId: $0.info.run_id, artifactURI: $0.info.artifact_uri ?? "") }
    }

    /// A run found by `searchRuns`, with its tags.
    public struct FoundRun: Sendable, Hashable {
        public let handle: RunHandle
        public let tags: [String: String]
    }

    /// Every active run of `experimentId` whose tags equal `tags`, page by page (oldest first), with each run's tags.
    public func searchRuns(experimentId: String, tags: [String: String]) async throws -> [FoundRun] {
        struct Search: Encodable {
            let experiment_ids: [String]; let filter: String; let run_view_type: String; let max_results: Int; let order_by: [String]
            let page_token: String?
        }
        struct Tag: Decodable { let key: String; let value: String? }
        struct RunData: Decodable { let tags: [Tag]? }
        struct Run: Decodable { let info: RunInfoBody; let data: RunData? }
        struct Found: Decodable { let runs: [Run]?; let next_page_token: String? }
        let filter = tags.sorted { $0.key < $1.key }
            .map { "tags.\($0.key) = '\($0.value.replacingOccurrences(of: "'", with: "\\'"))'" }.joined(separator: " and ")
        var out: [FoundRun] = []
        var token: String?
        repeat {
            let found: Found = try await call("POST", "runs/search", body: Search(
                experiment_ids: [experimentId], filter: filter, run_view_type: "ACTIVE_ONLY", max_results: 1000,
                order_by: ["attributes.start_time ASC"], page_token: token))
            for run in found.runs ?? [] {
                let pairs = (run.data?.tags ?? []).map { ($0.key, $0.value ?? "") }
                out.append(FoundRun(handle: RunHandle(runId: run.info.run_id, artifactURI: run.info.artifact_uri ?? ""),
                                    tags: Dictionary(pairs, uniquingKeysWith: { first, _ in first })))
            }
            token = found.next_page_token.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return out
    }

    /// Creates a run with its tags.
    public func createRun(experimentId: String, name: String, startTime: Int64, tags: [MLflowTag], user: String = "candlewick-tracker") async throws
        -> RunHandle
    {
        struct Create: Encodable { let experiment_id: String; let run_name: String; let start_time: Int64; let user_id: String; let tags: [MLflowTag] }
        struct Created: Decodable { let run: RunBody }
        let created: Created = try await call("POST", "runs/create", body: Create(
            experiment_id: experimentId, run_name: name, start_time: startTime, user_id: user, tags: tags))
        return RunHandle(runId: created.run.info.run_id, artifactURI: created.run.info.artifact_uri ?? "")
    }

    /// Logs one batch (must already be within MLflow's limits).
    public func logBatch(runId: String, _ batch: LogBatch) async throws {
        struct Body: Encodable { let run_id: String; let params: [MLflowParam]; let metrics: [MLflowMetric]; let tags: [MLflowTag] }
        let _: Empty = try await call("POST", "runs/log-batch", body: Body(run_id: runId, params: batch.params, metrics: batch.metrics, tags: batch.tags))
    }

    /// Sets a run's final status (`FINISHED`, `FAILED`, `KILLED`) and end time.
    public func updateRun(runId: String, status: String, endTime: Int64) async throws {
        struct Body: Encodable { let run_id: String; let status: String; let end_time: Int64 }
        let _: Empty = try await call("POST", "runs/update", body: Body(run_id: runId, status: status, end_time: endTime))
    }

    /// Uploads `data` as `path` under the run's artifact URI through the server's artifact proxy.
    public func putArtifact(artifactURI: String, path: String, data: Data, contentType: String) async throws {
        guard let base = Self.artifactBase(artifactURI: artifactURI, trackingURI: baseURL) else {
            throw MLflowError(call: "artifact \(path)", status: nil, code: nil, retryable: false,
                              message: "artifact URI \(artifactURI) is not served by the tracking server (start mlflow server with --serve-artifacts)")
        }
        let encoded = path.split(separator: "/").map { String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0) }
            .joined(separator: "/")
        var request = HTTPRequest(url: base + "/" + encoded, method: "PUT", headers: headers(contentType: contentType), body: data)
        request.timeout = max(timeout, 60)
        request.connectTimeout = 3
        let response = try await send(request, call: "PUT artifact \(path)")
        try check(response, call: "PUT artifact \(path)")
    }

    /// Maps a run's artifact URI to the proxy's HTTP URL: `mlflow-artifacts:/1/<run>/artifacts` →
    /// `<tracking>/api/2.0/mlflow-artifacts/artifacts/1/<run>/artifacts`; a netloc
    /// (`mlflow-artifacts://host:port/…`) names the server; `http(s)://` is used as is. Any other
    /// scheme is not proxied: nil.
    public static func artifactBase(artifactURI: String, trackingURI: String) -> String? {
        let proxy = "/api/2.0/mlflow-artifacts/artifacts"
        if artifactURI.hasPrefix("http://") || artifactURI.hasPrefix("https://") { return artifactURI }
        guard artifactURI.hasPrefix("mlflow-artifacts:") else { return nil }
        var rest = String(artifactURI.dropFirst("mlflow-artifacts:".count))
        var base = trackingURI
        if rest.hasPrefix("//") {
            rest.removeFirst(2)
            let host = rest.prefix { $0 != "/" }
            rest = String(rest.dropFirst(host.count))
            let scheme = trackingURI.hasPrefix("https://") ? "https://" : "http://"
            base = scheme + host
        }
        while rest.hasPrefix("/") { rest.removeFirst() }
        return base + proxy + (rest.isEmpty ? "" : "/" + rest)
    }

    // MARK: plumbing

    struct Empty: Decodable {}

    private func headers(contentType: String) -> [String: String] {
        var h = ["Content-Type": contentType, "Accept": "application/json"]
        if let a = auth.header { h["Authorization"] = a }
        return h
    }

    private func call<B: Encodable, R: Decodable>(_ method: String, _ path: String, body: B?) async throws -> R {
        let name = "\(method) \(path.prefix { $0 != "?" })"
        var request = HTTPRequest(url: "\(baseURL)/api/2.0/mlflow/\(path)", method: method, headers: headers(contentType: "application/json"))
        if let body { request.body = try JSONEncoder().encode(body) }
        request.timeout = timeout
        request.connectTimeout = 3
        let response = try await send(request, call: name)
        try check(response, call: name)
        do {
            return try JSONDecoder().decode(R.self, from: response.body.isEmpty ? Data("{}".utf8) : response.body)
        } catch {
            throw MLflowError(call: name, status: response.status, code: nil, retryable: true,
                              message: "unexpected response body: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
        }
    }

    private func check(_ response: HTTPResponse, call: String) throws {
        guard !(200..<300).contains(response.status) else { return }
        throw Self.failure(status: response.status, body: response.body, call: call)
    }

    /// The error for a non-2xx answer. Only MLflow's own JSON errors (and 413) blame the record;
    /// everything else — 401/403 (credentials), 408/429, 5xx, an HTML 404 from a wrong URL or a
    /// proxy — is the server's or the setup's problem, and the records wait in the spool.
    static func failure(status: Int, body: Data, call: String) -> MLflowError {
        struct ErrorBody: Decodable { let error_code: String?; let message: String? }
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: body)
        let blamesRecord = status == 413 || (parsed?.error_code != nil && ![401, 403, 408, 429].contains(status))
        return MLflowError(call: call, status: status, code: parsed?.error_code, retryable: status >= 500 || !blamesRecord,
                           message: parsed?.message ?? String(decoding: body.prefix(300), as: UTF8.self))
    }

    /// Sends on libcurl's thread; a cancelled task stops waiting at once (the transfer ends on
    /// its own within its timeout), so shutdown is never held up by a slow server.
    private func send(_ request: HTTPRequest, call: String) async throws -> HTTPResponse {
        let once = ResumeOnce<HTTPResponse>()
        let http = self.http
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, any Error>) in
                    once.install(c)
                    Task.detached {
                        do { once.resume(.success(try await http.send(request))) } catch { once.resume(.failure(error)) }
                    }
                }
            } onCancel: {
                once.resume(.failure(CancellationError()))
            }
        } catch let e as HTTPError {
            throw MLflowError(call: call, status: nil, code: nil, retryable: true, message: e.message)
        }
    }
}

/// Resumes a continuation exactly once, whichever comes first: the result or a cancellation.
final class ResumeOnce<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, early: Result<T, any Error>?, done: Bool)>((nil, nil, false))

    func install(_ c: CheckedContinuation<T, any Error>) {
        let early = state.withLock { s -> Result<T, any Error>? in
            if let e = s.early { s.done = true; s.early = nil; return e }
            s.continuation = c
            return nil
        }
        if let early { c.resume(with: early) }
    }

    func resume(_ result: Result<T, any Error>) {
        let c = state.withLock { s -> CheckedContinuation<T, any Error>? in
            guard !s.done else { return nil }
            guard let c = s.continuation else {
                if s.early == nil { s.early = result }
                return nil
            }
            s.done = true
            s.continuation = nil
            return c
        }
        c?.resume(with: result)
    }
}
