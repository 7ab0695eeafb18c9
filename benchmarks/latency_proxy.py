"""A TCP proxy that delays every byte coming back from the upstream by a fixed time.

    python benchmarks/latency_proxy.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT DELAY_MS

bench_servers.py puts it between the services and PostgreSQL to turn "a database on the same
2 cores" into "a database one network hop away": each query round trip takes DELAY_MS longer,
so the services wait on real I/O (their own driver, pool and queries) instead of competing with
PostgreSQL for the CPU. Order is preserved; only 127.0.0.1 is listened on. Uses uvloop if present.
"""

import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def forward() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    task = asyncio.create_task(forward())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, data))
    except OSError:
        pass
    finally:
        queue.put_nowait((0.0, b""))
    with contextlib.suppress(OSError):
        await task


async def main(listen: int, host: str, port: int, delay_ms: float) -> None:
    delay = delay_ms / 1000

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(host, port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, up_w, 0.0), _pipe(up_r, client_w, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    listen_port, upstream_host, upstream_port, delay_ms = sys.argv[1:5]
    asyncio.run(main(int(listen_port), upstream_host, int(upstream_port), float(delay_ms)))
