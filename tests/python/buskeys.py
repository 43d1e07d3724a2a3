"""CURVE keys for Python clients of the bus: what the README's example does. Keys live in the stack's
key directory (security.keys, default <bus.directory>/keys), in ZeroMQ's certificate format, so
`zmq.auth.load_certificate` reads them; `candlewick keys generate` makes a missing one."""
import pathlib
import subprocess

import zmq
import zmq.auth

from conftest import binary

# The process name each role's envelopes must carry in `source` (BusRole.processes).
SOURCE = {"run-owner": "candlewick-run.py", "operator": "candlewick-trading.py", "observer": "tap.py",
          "order-router": "order-router.py", "chart-worker": "chart-worker.py", "llm-worker": "llm-worker.py",
          "gateway-bridge": "gateway-bridge.py", "proxy": "proxy.py", "tracker": "tracker.py"}

# Which role serves each endpoint (BusEndpointName.server).
SERVER = {"bus.publish": "proxy", "bus.subscribe": "proxy", "chart.jobs": "run-owner", "chart.results": "run-owner",
          "llm.jobs": "run-owner", "llm.results": "run-owner", "gateway.commands": "gateway-bridge",
          "gateway.events": "gateway-bridge", "router.commands": "order-router"}


def key(keydir, role, name=None):
    """(public, secret) of key `name` (default: the role), generating it with `candlewick keys` when missing."""
    keydir = pathlib.Path(keydir)
    name = name or role
    secret = keydir / f"{name}.key_secret"
    if not secret.exists():
        subprocess.run([binary("candlewick"), "keys", "generate", "--dir", str(keydir), "--role", role, "--name", name],
                       check=True, capture_output=True, timeout=30)
    return zmq.auth.load_certificate(str(secret))


def client(sock, keydir, role, endpoint_name, name=None):
    """Makes `sock` a CURVE client with `role`'s key that expects the key of the role serving `endpoint_name`."""
    public, secret = key(keydir, role, name)
    sock.curve_publickey, sock.curve_secretkey = public, secret
    sock.curve_serverkey = key(keydir, SERVER[endpoint_name])[0]
    return sock


def server(sock, keydir, role):
    """Makes `sock` a CURVE server with `role`'s key (a Python stand-in for that role's bound socket)."""
    public, secret = key(keydir, role)
    sock.curve_secretkey, sock.curve_publickey = secret, public
    sock.curve_server = True
    return sock


def make_keypair():
    """A key pair on no allow-list (an attacker's)."""
    return zmq.curve_keypair()
