import ArgumentParser
import CandlewickBus
import CandlewickRuntime
import ServiceLifecycle

/// `candlewick proxy`: hosts libzmq's XSUB/XPUB proxy that every publisher and subscriber meets at.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the bus proxy (XSUB at bus.publish, XPUB at bus.subscribe) until SIGTERM.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "proxy", options: common)
        let proxy = try BusProxy(frontend: context.endpoints.publish, backend: context.endpoints.subscribe,
                                 options: context.socketOptions)
        context.logger.info("proxy.bound", metadata: ["frontend": "\(proxy.frontend)", "backend": "\(proxy.backend)"])
        let (publisher, socket) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        try await ProcessRunner.run(
            [ProxyService(proxy: proxy), SocketCloser(socket), HeartbeatService(context: context, publisher: publisher)],
            context: context)
    }
}

/// Keeps the proxy running until graceful shutdown, then stops it (removing ipc socket files).
struct ProxyService: Service {
    let proxy: BusProxy

    func run() async throws {
        try? await gracefulShutdown()
        await proxy.stop()
    }
}
