"""Bench: how fast the emulator serves — in process and over loopback — and how it scales.

Prints requests per second through the in-process transport and through real loopback sockets
(and their ratio), the time to list 5,000 models through nextLink pages, the time to start 200
copies at once and see them all finish, and how long `regionsync emulator --json` takes to print
its line. Targets from issue #4: several hundred requests per second on one core, start-up well
under a second.

    .venv/bin/python -m bench emulator_bench
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from regionsync.emulator import Clock, EmulatorTransport, World, serve

# httpcore imports `sniffio` on every request; when it is not installed each failed import scans
# sys.path (~30 % of a loopback request's CPU). Mark it absent once so the numbers measure the emulator.
if importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

KEY = {"Ocp-Apim-Subscription-Key": "bench-key"}
V4 = {"api-version": "2024-11-30"}
REQUESTS = 2000
CONCURRENCY = 16


def make_world(models: int = 50) -> World:
    world = World(Clock(speed=0.0), copy_seconds=6.0)
    world.add_resource(
        "bench-eus", region="eastus", keys=["bench-key", "bench-key-2"], custom_model_limit=10_000
    )
    world.add_resource(
        "bench-wus2", region="westus2", keys=["bench-key-t", "bench-key-t2"], custom_model_limit=10_000
    )
    for n in range(models):
        world.add_model("bench-eus", f"model-{n:05d}", doc_types=["invoice"])
    return world


async def requests_per_second(client: httpx.AsyncClient, url: str, total: int = REQUESTS) -> float:
    queue = iter(range(total))

    async def worker() -> None:
        for _ in queue:
            answer = await client.get(url, params=V4, headers=KEY)
            answer.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return total / (time.perf_counter() - started)


async def in_process_rate() -> float:
    world = make_world()
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        url = f"{world.endpoint('bench-eus')}/documentintelligence/documentModels/model-00001"
        await requests_per_second(client, url, 200)  # warm up
        return await requests_per_second(client, url)


async def loopback_rate() -> float:
    world = make_world()
    async with serve(world), httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY)) as client:
        url = f"{world.endpoint('bench-eus')}/documentintelligence/documentModels/model-00001"
        await requests_per_second(client, url, 200)
        return await requests_per_second(client, url)


async def list_5000() -> tuple[float, int, int]:
    world = make_world(5000)
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        started = time.perf_counter()
        url: str | None = f"{world.endpoint('bench-eus')}/documentintelligence/documentModels"
        params: dict[str, str] | None = V4
        pages = seen = 0
        while url:
            body = (await client.get(url, params=params, headers=KEY)).json()
            seen += len(body["value"])
            pages += 1
            url, params = body.get("nextLink"), None
        return time.perf_counter() - started, pages, seen


async def copies_200() -> tuple[float, int]:
    world = make_world(1)
    target_key = {"Ocp-Apim-Subscription-Key": "bench-key-t"}
    async with httpx.AsyncClient(transport=EmulatorTransport(world)) as client:
        source = f"{world.endpoint('bench-eus')}/documentintelligence"
        target = f"{world.endpoint('bench-wus2')}/documentintelligence"

        async def copy(n: int) -> str:
            auth = await client.post(
                f"{target}/documentModels:authorizeCopy",
                params=V4,
                headers=target_key,
                json={"modelId": f"copy-{n:03d}"},
            )
            started = await client.post(
                f"{source}/documentModels/model-00000:copyTo", params=V4, headers=KEY, json=auth.json()
            )
            return started.headers["Operation-Location"]

        started = time.perf_counter()
        locations = await asyncio.gather(*(copy(n) for n in range(200)))
        world.clock.advance(world.copy_seconds)
        bodies = await asyncio.gather(*(client.get(loc, headers=KEY) for loc in locations))
        done = sum(1 for b in bodies if b.json()["status"] == "succeeded")
        return time.perf_counter() - started, done


def startup_seconds() -> float | None:
    """Real seconds from spawning `regionsync emulator --json` to its JSON line (None if it failed)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "regionsync", "emulator", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 10)
        line = process.stdout.readline() if ready else ""
        elapsed = time.perf_counter() - started
        json.loads(line)
        return elapsed
    except ValueError:
        return None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def main() -> int:
    in_process = asyncio.run(in_process_rate())
    loopback = asyncio.run(loopback_rate())
    print(f"GET documentModels/{{id}}, {REQUESTS} requests, concurrency {CONCURRENCY}")
    print(f"  in process (ASGI transport):  {in_process:8.0f} req/s")
    print(f"  over loopback (uvicorn/h11):  {loopback:8.0f} req/s")
    print(f"  loopback / in process:        {loopback / in_process:8.2f}")
    seconds, pages, seen = asyncio.run(list_5000())
    print(
        f"list 5,000 models: {seen} entries in {pages} pages, {seconds:.2f} s ({pages / seconds:.0f} pages/s)"
    )
    seconds, done = asyncio.run(copies_200())
    print(f"200 copies at once: {done}/200 succeeded after one copy time; {seconds:.2f} s of requests")
    ready = startup_seconds()
    print(
        "regionsync emulator --json ready in " + (f"{ready:.2f} s" if ready is not None else "n/a (failed)")
    )
    slow = in_process < 300 or loopback < 300
    if slow:
        print("below the target of several hundred requests per second", file=sys.stderr)
    return 1 if slow or ready is None else 0


if __name__ == "__main__":
    sys.exit(main())
