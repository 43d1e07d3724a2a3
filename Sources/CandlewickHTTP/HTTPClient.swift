import CCurl
import Foundation

/// An HTTP request (model providers, MLflow).
public struct HTTPRequest: Sendable {
    public var url: String
    /// GET, POST, PUT, … (any method other than GET sends `body`).
    public var method = "POST"
    public var headers: [String: String] = [:]
    public var body = Data()
    /// Seconds to establish the connection, and for the whole request.
    public var connectTimeout: Double = 5
    public var timeout: Double = 120

    public init(url: String, method: String = "POST", headers: [String: String] = [:], body: Data = Data()) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// A response: status, lower-cased headers, body.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data
}

/// The request could not be completed (no HTTP status): names the URL and libcurl's reason.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public let url: String
    public let message: String
    /// Whether it was a timeout (connect or total).
    public let timedOut: Bool
    public var description: String { "\(url): \(message)" }
}

/// HTTP over libcurl. Each request runs `curl_easy_perform` on its own thread, so the blocking call
/// never occupies Swift's cooperative pool and many requests can be in flight. Proxy settings come
/// from the environment (`https_proxy`, `no_proxy`, …), as libcurl reads them; TLS is verified.
public struct HTTPClient: Sendable {
    public init() {
        _ = HTTPClient.globalInit
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, any Error>) in
            let thread = Thread { c.resume(with: Result { try Self.perform(request) }) }
            thread.name = "http"
            thread.start()
        }
    }

    final class Buffers {
        var body = Data()
        var headers: [String: String] = [:]
        let upload: Data
        var uploadOffset = 0
        init(upload: Data) { self.upload = upload }
    }

    static func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let h = curl_easy_init() else { throw HTTPError(url: request.url, message: "curl_easy_init failed", timedOut: false) }
        defer { curl_easy_cleanup(h) }
        let buffers = Buffers(upload: request.body)
        let context = Unmanaged.passRetained(buffers)
        defer { context.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (k, v) in request.headers { headerList = curl_slist_append(headerList, "\(k): \(v)") }
        headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip
        request.url.withCString { _ = cw_setopt_ptr(h, CURLOPT_URL, $0) }
        _ = cw_setopt_ptr(h, CURLOPT_HTTPHEADER, headerList)
        _ = cw_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = cw_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = cw_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        if request.method != "GET" {
            _ = cw_setopt_long(h, CURLOPT_POST, 1)
            if request.method != "POST" { request.method.withCString { _ = cw_setopt_ptr(h, CURLOPT_CUSTOMREQUEST, $0) } }
            _ = cw_setopt_long(h, CURLOPT_POSTFIELDSIZE, request.body.count)
            _ = cw_setopt_callback(h, CURLOPT_READFUNCTION) { ptr, size, count, ctx in
                let b = Unmanaged<Buffers>.fromOpaque(ctx!).takeUnretainedValue()
                let n = min(size * count, b.upload.count - b.uploadOffset)
                b.upload.withUnsafeBytes { raw in
                    UnsafeMutableRawPointer(ptr!).copyMemory(from: raw.baseAddress! + b.uploadOffset, byteCount: n)
                }
                b.uploadOffset += n
                return n
            }
            _ = cw_setopt_ptr(h, CURLOPT_READDATA, context.toOpaque())
        }
        _ = cw_setopt_callback(h, CURLOPT_WRITEFUNCTION) { ptr, size, count, ctx in
            let b = Unmanaged<Buffers>.fromOpaque(ctx!).takeUnretainedValue()
            b.body.append(UnsafeRawPointer(ptr!).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
        }
        _ = cw_setopt_ptr(h, CURLOPT_WRITEDATA, context.toOpaque())
        _ = cw_setopt_callback(h, CURLOPT_HEADERFUNCTION) { ptr, size, count, ctx in
            let b = Unmanaged<Buffers>.fromOpaque(ctx!).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: size * count), as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                b.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return size * count
        }
        _ = cw_setopt_ptr(h, CURLOPT_HEADERDATA, context.toOpaque())
        let rc = curl_easy_perform(h)
        guard rc == CURLE_OK else {
            throw HTTPError(url: request.url, message: String(cString: curl_easy_strerror(rc)), timedOut: rc == CURLE_OPERATION_TIMEDOUT)
        }
        var status = 0
        _ = cw_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: buffers.headers, body: buffers.body)
    }
}
