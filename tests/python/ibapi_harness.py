"""Helpers for driving ib-paper with the official ibapi client (EClient/EWrapper)."""
import socket
import struct
import subprocess
import threading
import time

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.wrapper import EWrapper


def stock(symbol, primary=""):
    c = Contract()
    c.symbol = symbol
    c.secType = "STK"
    c.exchange = "SMART"
    c.primaryExchange = primary
    c.currency = "USD"
    return c


class App(EWrapper, EClient):
    """Records every callback as (name, args) and lets a test wait for one."""

    def __init__(self):
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.events = []
        self.cond = threading.Condition()
        self.thread = None

    def rec(self, name, *args):
        with self.cond:
            self.events.append((name, args))
            self.cond.notify_all()

    def start(self, port, client_id, timeout=10):
        self.connect("127.0.0.1", port, client_id)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def wait(self, pred, timeout=10, what="event"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [e for e in self.events if pred(e)]
                if hits:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    names = [e[0] for e in self.events][-30:]
                    raise AssertionError(f"timed out waiting for {what}; last events: {names}")
                self.cond.wait(left)

    def wait_name(self, name, timeout=10, **match):
        def pred(e):
            return e[0] == name and all(e[1][i] == v for i, v in ((int(k[1:]), v) for k, v in match.items()))
        return self.wait(pred, timeout, what=f"{name} {match}")

    def named(self, name):
        with self.cond:
            return [e[1] for e in self.events if e[0] == name]

    def errors(self, code=None):
        return [a for a in self.named("error") if code is None or a[2] == code]

    def stop(self):
        try:
            self.disconnect()
        except Exception:
            pass
        if self.thread:
            self.thread.join(5)

    # --- EWrapper callbacks -------------------------------------------------------------
    def error(self, reqId, errorTime, errorCode, errorString, advancedOrderRejectJson=""):
        self.rec("error", reqId, errorTime, errorCode, errorString, advancedOrderRejectJson)

    def nextValidId(self, orderId):
        self.rec("nextValidId", orderId)

    def managedAccounts(self, accountsList):
        self.rec("managedAccounts", accountsList)

    def currentTime(self, t):
        self.rec("currentTime", t)

    def contractDetails(self, reqId, details):
        self.rec("contractDetails", reqId, details)

    def contractDetailsEnd(self, reqId):
        self.rec("contractDetailsEnd", reqId)

    def historicalData(self, reqId, bar):
        self.rec("historicalData", reqId, bar)

    def historicalDataEnd(self, reqId, start, end):
        self.rec("historicalDataEnd", reqId, start, end)

    def openOrder(self, orderId, contract, order, orderState):
        self.rec("openOrder", orderId, contract, order, orderState)

    def openOrderEnd(self):
        self.rec("openOrderEnd")

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld,
                    mktCapPrice):
        self.rec("orderStatus", orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId)

    def execDetails(self, reqId, contract, execution):
        self.rec("execDetails", reqId, contract, execution)

    def execDetailsEnd(self, reqId):
        self.rec("execDetailsEnd", reqId)

    def commissionAndFeesReport(self, report):
        self.rec("commission", report)

    def position(self, account, contract, position, avgCost):
        self.rec("position", account, contract, position, avgCost)

    def positionEnd(self):
        self.rec("positionEnd")

    def accountSummary(self, reqId, account, tag, value, currency):
        self.rec("accountSummary", reqId, account, tag, value, currency)

    def accountSummaryEnd(self, reqId):
        self.rec("accountSummaryEnd", reqId)

    def completedOrder(self, contract, order, orderState):
        self.rec("completedOrder", contract, order, orderState)

    def completedOrdersEnd(self):
        self.rec("completedOrdersEnd")

    def updateAccountValue(self, key, val, currency, accountName):
        self.rec("updateAccountValue", key, val, currency, accountName)

    def updatePortfolio(self, contract, position, marketPrice, marketValue, averageCost, unrealizedPNL, realizedPNL, accountName):
        self.rec("updatePortfolio", contract, position, marketPrice, marketValue, averageCost, unrealizedPNL, realizedPNL, accountName)

    def updateAccountTime(self, timeStamp):
        self.rec("updateAccountTime", timeStamp)

    def accountDownloadEnd(self, accountName):
        self.rec("accountDownloadEnd", accountName)

    def headTimestamp(self, reqId, headTimestamp):
        self.rec("headTimestamp", reqId, headTimestamp)

    def connectionClosed(self):
        self.rec("connectionClosed")


def admin(port, line, token_file=None):
    """Sends one admin line to ib-paper (after `auth <token>` from `token_file`) and returns the reply line."""
    auth = f"auth {open(token_file).read().strip()}\n" if token_file else ""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall((auth + line + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode().strip()


def wait_port(port, proc, timeout=20, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path else ""
            raise AssertionError(f"ib-paper exited early: {tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"ib-paper did not listen on {port}")


class Capture:
    """A tiny TWS impersonator: answers the handshake with version 178 and records every frame."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.frames = []
        self.cond = threading.Condition()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.sock.accept()
        buf = b""

        def need(n):
            nonlocal buf
            while len(buf) < n:
                chunk = conn.recv(65536)
                if not chunk:
                    raise EOFError
                buf += chunk

        try:
            need(4)
            assert buf[:4] == b"API\0"
            buf = buf[4:]
            need(4)
            n = struct.unpack(">I", buf[:4])[0]
            need(4 + n)
            buf = buf[4 + n:]
            hello = b"178\x0020250101 12:00:00 UTC\x00"
            conn.sendall(struct.pack(">I", len(hello)) + hello)
            while True:
                need(4)
                n = struct.unpack(">I", buf[:4])[0]
                need(4 + n)
                payload, buf = buf[4:4 + n], buf[4 + n:]
                with self.cond:
                    self.frames.append(payload.split(b"\0")[:-1])
                    self.cond.notify_all()
        except (EOFError, OSError):
            pass

    def wait_count(self, n, timeout=5):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.frames) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"captured {len(self.frames)} frames, expected {n}")
                self.cond.wait(left)
            return [[f.decode() for f in fr] for fr in self.frames[:n]]


def start_paper(binary, procs, tmp_path, *extra):
    from conftest import free_port
    port, admin_port = free_port(), free_port()
    args = [binary, "--port", str(port), "--admin-port", str(admin_port), "--state", str(tmp_path),
            "--admin-token-file", str(tmp_path / "ib-paper-admin.token"), *extra]
    log = open(tmp_path / "ib-paper.log", "ab")
    p = procs(args, stdout=subprocess.DEVNULL, stderr=log)
    wait_port(port, p, log_path=tmp_path / "ib-paper.log")
    return p, port, admin_port
