"""WebSocket rooms across processes, for both frameworks, with real servers and a real Redis.

Each generated service runs with its own production command (`uv run python -m <package>`):
- two servers (two ports, one Redis): clients on either side of room `r` hear each other, and a
  message to room `s` reaches neither;
- one server with WEB_CONCURRENCY=2: every client of the room hears every message;
- production with several workers and no REDIS_URL refuses to start, in one line;
- bad input (room names, Origin, huge, binary and non-UTF-8 frames) closes with the documented
  codes of the production server, and nothing is logged as an error;
- Redis goes down and comes back (a redis-server this test starts and restarts itself, never the
  shared one): readiness 503, the sender gets an error frame, nothing crashes, messages flow again.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tests.support.projects import free_port, http_get, render, run, serving, uv_sync

pytestmark = [pytest.mark.slow, pytest.mark.redis]

FRAMEWORKS = ("fastapi", "flask")
# One worker unless a test says otherwise: the project's default follows its `concurrency`.
PRODUCTION = {
    "APP_ENV": "production",
    "LOG_LEVEL": "INFO",
    "PYTHONDONTWRITEBYTECODE": "",
    "WEB_CONCURRENCY": "1",
}


@pytest.fixture(scope="module", params=FRAMEWORKS)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synced project with WebSockets. A unique name gives it its own Redis channels, so that
    tests running in parallel on the shared Redis never hear each other."""
    name = f"rt-{request.param}-{uuid.uuid4().hex[:6]}"
    parent = tmp_path_factory.mktemp(request.param)
    path = render(parent, project_name=name, framework=request.param, websockets=True)
    uv_sync(path)
    # Its SQLite database at the latest migration, as readiness requires (all servers share it).
    if request.param == "fastapi":
        run(path, "uv", "run", "alembic", "upgrade", "head").check()
    else:
        package = name.replace("-", "_")
        run(path, "uv", "run", "python", "-m", package, "migrate").check()
    return path


def ws_url(base: str, room: str) -> str:
    return base.replace("http://", "ws://", 1) + f"/ws/rooms/{room}"


def join(stack: ExitStack, base: str, room: str) -> ClientConnection:
    ws = stack.enter_context(connect(ws_url(base, room), open_timeout=10))
    assert frame(ws) == {"type": "joined", "room": room}
    return ws


def frame(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    value = json.loads(ws.recv(timeout=timeout))
    assert isinstance(value, dict)
    return value


def data(ws: ClientConnection) -> Any:
    received = frame(ws)
    assert received["type"] == "message", received
    return received["data"]


def test_rooms_span_two_server_processes(project: Path, redis_url: str) -> None:
    env = {**PRODUCTION, "REDIS_URL": redis_url}
    with serving(project, env=env) as first, serving(project, env=env) as second, ExitStack() as s:
        assert json.loads(http_get(first + "/health/ready").body)["checks"]["broker"] == "ok"
        alice, bob = join(s, first, "r"), join(s, second, "r")
        dave = join(s, first, "s")

        alice.send("from alice")
        assert data(bob) == "from alice"
        assert data(alice) == "from alice"
        bob.send("from bob")
        assert data(alice) == "from bob"
        assert data(bob) == "from bob"

        dave.send("for s only")
        assert data(dave) == "for s only"  # Redis has delivered it, so it is ahead of:
        alice.send("after")
        # Each subscription delivers in Redis's order: a leaked "for s only" would come first.
        assert data(bob) == "after"
        assert data(alice) == "after"


def test_rooms_span_the_workers_of_one_server(project: Path, redis_url: str) -> None:
    env = {**PRODUCTION, "REDIS_URL": redis_url, "WEB_CONCURRENCY": "2"}
    with serving(project, env=env) as base, ExitStack() as stack:
        # Several clients, so that both workers hold some (the kernel spreads the connections).
        members = [join(stack, base, "r") for _ in range(6)]
        for number, sender in enumerate(members):
            sender.send(f"message {number}")
            for member in members:
                assert data(member) == f"message {number}"


def test_several_workers_without_a_broker_refuse_to_start(project: Path) -> None:
    env = {**PRODUCTION, "WEB_CONCURRENCY": "2", "PORT": str(free_port())}
    package = project.name.replace("-", "_")
    refused = run(project, "uv", "run", "python", "-m", package, env=env, timeout=120)
    assert refused.returncode != 0
    assert "REDIS_URL" in refused.output
    assert "Traceback" not in refused.output
    lines = [line for line in refused.output.splitlines() if "REDIS_URL" in line]
    assert len(lines) == 1 and len(lines[0]) <= 250, refused.output


def test_one_worker_without_a_broker_says_so(project: Path) -> None:
    with serving(project, env=PRODUCTION) as base, ExitStack() as stack:
        alice, bob = join(stack, base, "r"), join(stack, base, "r")
        alice.send("hi")
        assert data(bob) == "hi"
        log = (project / ".server.log").read_text()
        assert "in-process" in log, log


class OwnRedis:
    """A redis-server of this test only, stopped and started again by the test."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is needed (apt-get install redis-server)"
        argv = [server, "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--dir", str(self.directory), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not self._answers():
            assert self.proc.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def _answers(self) -> bool:
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        return subprocess.run(ping, capture_output=True, check=False).stdout.strip() == b"PONG"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for_status(url: str, status: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while (got := http_get(url).status) != status:
        assert time.monotonic() < deadline, f"{url}: {got}, expected {status}"
        time.sleep(0.2)


def test_the_service_survives_a_broker_outage(project: Path, own_redis: OwnRedis) -> None:
    env = {**PRODUCTION, "REDIS_URL": own_redis.url}
    with serving(project, env=env) as base, ExitStack() as stack:
        alice, bob = join(stack, base, "r"), join(stack, base, "r")
        alice.send("before")
        assert data(bob) == "before"
        assert data(alice) == "before"

        # Redis goes away: readiness fails, the sender is told, the process keeps serving.
        own_redis.stop()
        wait_for_status(base + "/health/ready", 503)
        alice.send("during")
        error = frame(alice)
        assert (error["type"], error["error"]) == ("error", "broker_unavailable")
        assert http_get(base + "/health").status == 200

        # Redis comes back on the same port: readiness recovers, messages flow again once the
        # service has subscribed again (until then a message may be lost, as in any pub/sub).
        own_redis.start()
        wait_for_status(base + "/health/ready", 200)
        deadline = time.monotonic() + 20
        while True:
            alice.send("after")
            try:
                received = frame(alice, timeout=1)
            except TimeoutError:
                received = {"type": "lost"}
            if received["type"] == "message":
                break
            assert time.monotonic() < deadline, received
        assert received["data"] == "after"
        while (got := frame(bob))["type"] != "message":
            pass
        assert got["data"] == "after"
        log = (project / ".server.log").read_text()
        assert "Traceback" not in log, log[-3000:]
        assert "ERROR" not in log, log[-3000:]


def _raw_text_frame(base: str, room: str, payload: bytes) -> bytes:
    """Open a room over a raw socket, send one (masked) text frame carrying `payload` as is;
    return what the server sends back after the join (its close frame)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            f"GET /ws/rooms/{room} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        received = b""
        while b'"joined"' not in received:
            chunk = sock.recv(4096)
            assert chunk, received
            received += chunk
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        reply = b""
        while len(reply) < 4:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply


def _close_code(ws: ClientConnection) -> int | None:
    """The code of the server's Close frame, read until it arrives."""
    deadline = time.monotonic() + 10
    while ws.protocol.close_rcvd is None and time.monotonic() < deadline:
        with suppress(TimeoutError, ConnectionClosed):
            ws.recv(timeout=0.2)
    close = ws.protocol.close_rcvd
    return close.code if close else None


def test_bad_input_closes_with_documented_codes_and_no_error_log(project: Path) -> None:
    """Against the production server itself (its WebSocket layer, not a test client)."""
    env = {**PRODUCTION, "WS_MAX_MESSAGE_BYTES": "1000"}
    with serving(project, env=env) as base:
        url = ws_url(base, "r")
        for room in ("bad%20name", "x" * 65):
            with pytest.raises(InvalidStatus) as refused:
                connect(ws_url(base, room), open_timeout=10).close()
            assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus) as refused:
            connect(url, open_timeout=10, origin=Origin("https://evil.example")).close()
        assert refused.value.response.status_code == 403

        with ExitStack() as stack:
            too_big, binary = join(stack, base, "r"), join(stack, base, "r")
            too_big.send("x" * 1001)
            assert _close_code(too_big) == 1009
            binary.send(b"\x00\x01")
            assert _close_code(binary) == 1003
        # Not UTF-8: the close frame starts 0x88, then its length, then the code 1007.
        reply = _raw_text_frame(base, "r", b"\xff\xfe")
        assert reply[:1] == b"\x88" and int.from_bytes(reply[2:4], "big") == 1007, reply

        assert http_get(base + "/health").status == 200
        log = (project / ".server.log").read_text()
        assert "Traceback" not in log, log[-3000:]
        assert "ERROR" not in log, log[-3000:]
