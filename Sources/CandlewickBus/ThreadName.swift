import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread as the system knows it (perf, top, /proc, and `Thread.current.name`),
/// on Linux the first 15 bytes. Call it first thing on a new thread: a thread starts with its
/// creator's name (often a cooperative pool thread's), and Foundation on Linux applies a name set
/// on `Thread.current` only once its creator has recorded the thread, which races with the thread
/// itself; writing the kernel's name directly does not.
func nameCurrentThread(_ name: String) {
    Thread.current.name = name
    #if os(Linux)
    let bytes = Array(name.utf8.prefix(15))
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    _ = close(fd)
    #endif
}
