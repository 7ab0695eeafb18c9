"""Drive a running service's WebSocket rooms the way a browser does (`websockets` client)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from contextlib import ExitStack

from websockets.sync.client import connect


def assert_room_round_trip(
    base: str,
    *,
    subprotocols: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    clients: int = 2,
) -> None:
    """`clients` members join one fresh room; a message from the first reaches all of them.

    The room name is unique, so services sharing one Redis never hear each other's test.
    """
    room = f"matrix-{uuid.uuid4().hex[:12]}"
    url = base.replace("http://", "ws://", 1) + f"/ws/rooms/{room}"
    with ExitStack() as stack:
        members = []
        for _ in range(clients):
            opened = connect(
                url, open_timeout=10, additional_headers=headers, subprotocols=subprotocols
            )
            ws = stack.enter_context(opened)
            assert json.loads(ws.recv(timeout=10)) == {"type": "joined", "room": room}
            members.append(ws)
        members[0].send("ping from the matrix")
        for ws in members:
            frame = json.loads(ws.recv(timeout=10))
            assert frame == {"type": "message", "room": room, "data": "ping from the matrix"}
