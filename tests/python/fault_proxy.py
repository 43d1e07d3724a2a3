"""A fault-injecting TCP proxy for the TWS API, written independently of the Swift code: it sits
between a TWS client (gateway-bridge) and ib-paper, reads the length-prefixed TWS frames in both
directions, and at a chosen message either kills ib-paper (SIGKILL, then restarts it on its saved
state) or drops the TCP connection while ib-paper stays up.

A trigger is a predicate over the frames seen so far; the first frame it matches fires its action
once. Frames are (connection number, direction "c2s"/"s2c", message id, fields)."""
import socket
import struct
import threading
import time

# Client → server message ids (TWS API).
PLACE_ORDER, CANCEL_ORDER, REQ_ALL_OPEN_ORDERS, REQ_EXECUTIONS, REQ_COMPLETED_ORDERS, REQ_POSITIONS = 3, 4, 16, 7, 99, 61
# Server → client message ids.
ORDER_STATUS, OPEN_ORDER, OPEN_ORDER_END = 3, 5, 53


class Frame:
    def __init__(self, conn, direction, fields):
        self.conn, self.direction, self.fields = conn, direction, fields
        try:
            self.msg_id = int(fields[0]) if fields else -1
        except ValueError:
            self.msg_id = -1


class Trigger:
    """Fires `action` ("kill_before", "kill_after", "drop_before", "drop_after") on the first frame
    `match(frame, history)` accepts; history is every frame seen before it, in order."""

    def __init__(self, match, action, label):
        self.match, self.action, self.label = match, action, label
        self.fired = threading.Event()


class FaultProxy:
    def __init__(self, upstream_port, kill_upstream, restart_upstream=None, restart_delay=0.5):
        self.upstream_port = upstream_port
        self.kill_upstream, self.restart_upstream, self.restart_delay = kill_upstream, restart_upstream, restart_delay
        self.triggers = []
        self.history = []
        self.lock = threading.Lock()
        self.connections = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.live = []
        self.closed = False
        self.pending_restarts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def add(self, trigger):
        self.triggers.append(trigger)
        return trigger

    def close(self):
        self.closed = True
        try:
            self.listener.close()
        except OSError:
            pass
        for s in list(self.live):
            self._shut(s)

    @staticmethod
    def _shut(s):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += 1
                n = self.connections
            pair = (client, server)
            self.live += [client, server]
            threading.Thread(target=self._pump, args=(n, "c2s", client, server, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(n, "s2c", server, client, pair), daemon=True).start()

    def _pump(self, n, direction, src, dst, pair):
        buf = b""
        handshake = direction == "c2s"
        # The client starts with "API\0" and one length-prefixed version frame; the server's first frame is its hello.
        while True:
            try:
                chunk = src.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                for s in pair:
                    self._shut(s)
                return
            buf += chunk
            while True:
                if handshake:
                    if len(buf) < 4:
                        break
                    if buf[:4] == b"API\0":
                        if not self._send(dst, buf[:4], pair):
                            return
                        buf = buf[4:]
                    handshake = False
                    continue
                if len(buf) < 4:
                    break
                (size,) = struct.unpack(">I", buf[:4])
                if len(buf) < 4 + size:
                    break
                raw, buf = buf[:4 + size], buf[4 + size:]
                frame = Frame(n, direction, raw[4:].split(b"\0")[:-1] if raw[4:].endswith(b"\0") else raw[4:].split(b"\0"))
                action = self._observe(frame)
                if action in ("kill_before", "drop_before"):
                    self._act(action, pair)
                    return
                if not self._send(dst, raw, pair):
                    return
                if action in ("kill_after", "drop_after"):
                    self._act(action, pair)
                    return

    def _send(self, dst, data, pair):
        try:
            dst.sendall(data)
            return True
        except OSError:
            for s in pair:
                self._shut(s)
            return False

    def _observe(self, frame):
        with self.lock:
            action = None
            for t in self.triggers:
                if not t.fired.is_set() and t.match(frame, self.history):
                    t.fired.set()
                    action = t.action
                    break
            self.history.append(frame)
            return action

    def _act(self, action, pair):
        if action.startswith("kill"):
            self.kill_upstream()
            for s in pair:
                self._shut(s)
            if self.restart_upstream:
                with self.lock:
                    self.pending_restarts += 1

                def later():
                    time.sleep(self.restart_delay)
                    try:
                        self.restart_upstream()
                    finally:
                        with self.lock:
                            self.pending_restarts -= 1
                threading.Thread(target=later, daemon=True).start()
        else:
            for s in pair:
                self._shut(s)

    # Helpers for building triggers.
    def count(self, direction, msg_id, conn=None):
        with self.lock:
            return sum(1 for f in self.history if f.direction == direction and f.msg_id == msg_id and (conn is None or f.conn == conn))


def nth(direction, msg_id, n, conn=None):
    """The n-th (1-based) message of a kind, optionally on one connection."""
    def match(frame, history):
        if frame.direction != direction or frame.msg_id != msg_id or (conn is not None and frame.conn != conn):
            return False
        seen = sum(1 for f in history if f.direction == direction and f.msg_id == msg_id and (conn is None or f.conn == conn))
        return seen == n - 1
    return match


def first_after(direction, msg_id, after_direction, after_msg_id, after_n):
    """The first message of a kind after the `after_n`-th message of another kind passed (same connection)."""
    def match(frame, history):
        if frame.direction != direction or frame.msg_id != msg_id:
            return False
        seen = [f for f in history if f.direction == after_direction and f.msg_id == after_msg_id]
        if len(seen) < after_n:
            return False
        mark = seen[after_n - 1]
        return mark.conn == frame.conn and history.index(mark) >= 0 and not any(
            f.direction == direction and f.msg_id == msg_id and f.conn == frame.conn for f in history[history.index(mark) + 1:])
    return match


def on_connection_after_first_fault(direction, msg_id, n):
    """The n-th message of a kind on the first connection made after the previous faults (the re-sync)."""
    def match(frame, history):
        if frame.direction != direction or frame.msg_id != msg_id or frame.conn < 2:
            return False
        seen = sum(1 for f in history if f.direction == direction and f.msg_id == msg_id and f.conn == frame.conn)
        return seen == n - 1
    return match
