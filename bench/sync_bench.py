"""Bench: the three figures of issue #5, measured in one run with the real engine on a real clock.

The emulator runs as `regionsync emulator` (which serves through `regionsync.emulator.serve`) in its
own process, on real loopback sockets, at speed 1 with a fixed copy time and a per-request latency
fault on every resource, so that the service's CPU does not hide in the engine's event loop. The
engine is the real `SyncSession` (adapters, runner, poller, journal) with its own httpx client; an
event hook on that client counts every request it sends.

1. Sync 200 missing models at concurrency 16 (plan included): elapsed over the floor
   (copy time × ⌈200 / 16⌉) ≤ 1.15, and ≥ 10× faster than the documented flow done plainly —
   authorize on the target, copy on the source, poll the Operation-Location every second, one
   model after another — run here on a sample and scaled linearly to 200.
2. Requests per copied model ≤ 4 (authorize, copy, polls, verify), with the breakdown.
3. Status of 5,000 models per side ≤ 0.55 × listing the two sides one after the other (the same
   adapters, the same client; best of a few runs each). Each region is its own emulator process
   here, as two Azure regions are two services: one process would serve both sides' pages from
   one event loop and add a contention Azure does not have (`--shared-emulator` shows it).

    .venv/bin/python -m bench sync_bench
    .venv/bin/python bench/sync_bench.py [--copies 200] [--concurrency 16] [--copy-seconds 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from regionsync.config import Profile, ServiceProfile, SideConfig
from regionsync.domain import Job, JobState, Side
from regionsync.sync.journal import Journal
from regionsync.sync.pair import ResourcePair
from regionsync.sync.plan import Plan
from regionsync.sync.session import SyncSession

API = {"api-version": "2024-11-30"}
SOURCE, TARGET, PLAIN_TARGET = "bench-eus", "bench-wus", "plain-wus"
BIG_SOURCE, BIG_TARGET = "big-eus", "big-wus"
REGIONS = {
    SOURCE: "eastus",
    TARGET: "westus2",
    PLAIN_TARGET: "westus2",
    BIG_SOURCE: "eastus",
    BIG_TARGET: "westus2",
}

TARGETS = {"floor": 1.15, "speedup": 10.0, "requests": 4.0, "status": 0.55}


@dataclass(frozen=True)
class Settings:
    copies: int
    concurrency: int
    copy_seconds: float
    latency_ms: float
    sample: int
    status_models: int
    status_rounds: int
    shared_emulator: bool


# -- the emulator, in its own process -----------------------------------------------------------


def scenario(s: Settings, resources: dict[str, int], prefix: str) -> str:
    """A bench world: `resources` (name → how many models `prefix`0001… it holds), every request
    `latency_ms` slower, copies taking `copy_seconds` at speed 1."""
    lines = [
        "[clock]",
        "speed = 1.0",
        f"copy_seconds = {s.copy_seconds}",
        "",
        "[[fault]]",
        'kind = "latency"',
        f"ms = {s.latency_ms}",
    ]
    limit = max(250, 2 * max(resources.values(), default=0))
    for name, count in resources.items():
        lines += ["", "[[resource]]", f'name = "{name}"', f'region = "{REGIONS[name]}"']
        lines.append(f"custom_model_limit = {limit}")
        if count:
            lines += ["", "[[resource.generate]]", f"count = {count}", f'prefix = "{prefix}"']
    return "\n".join(lines) + "\n"


@dataclass
class Emulator:
    proc: subprocess.Popen[str]
    resources: dict[str, dict[str, Any]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_emulator(folder: Path, name: str, text: str) -> Emulator:
    """`regionsync emulator --json` on the scenario `text`, in its own process."""
    path = folder / f"{name}.toml"
    path.write_text(text)
    proc = subprocess.Popen(
        [sys.executable, "-m", "regionsync", "emulator", "--scenario", str(path), "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"the emulator did not start (exit {proc.returncode})")
    info = json.loads(line)
    return Emulator(proc, {r["name"]: r for r in info["resources"]})


def profile(primary: dict[str, Any], secondary: dict[str, Any]) -> Profile:
    """A v4 profile on two emulated resources; keys in environment variables, as users give them."""

    def side(res: dict[str, Any]) -> SideConfig:
        variable = "RS_BENCH_KEY_" + str(res["name"]).upper().replace("-", "_")
        os.environ[variable] = res["keys"][0]
        return SideConfig(
            endpoint=res["endpoint"],
            region=res["region"],
            resource_id=res["resource_id"],
            key=f"env:{variable}",
        )

    pair = ServiceProfile(api_version=API["api-version"], primary=side(primary), secondary=side(secondary))
    return Profile.model_validate({"document-intelligence": pair})


# -- 1 and 2: the engine's sync, and the plain flow ----------------------------------------------


def classify(request: httpx.Request) -> str:
    path = request.url.path
    if path.endswith(":authorizeCopy"):
        return "authorize"
    if path.endswith(":copyTo"):
        return "copy"
    if "/operations/" in path:
        return "poll"
    if request.method == "GET" and "/documentModels/" in path:
        return "verify"
    return "status+plan"


@dataclass
class CountedSync:
    """One engine sync, timed, with every request it sent counted by purpose."""

    jobs: list[Job]
    plans: list[tuple[ResourcePair, Plan]]
    elapsed: float
    plan_seconds: float
    counts: Counter[str]
    poller: dict[str, Any]


async def counted_sync(
    name: str,
    profile: Profile,
    journal: Path,
    *,
    concurrency: int,
    classify: Callable[[httpx.Request], str],
    expected: int,
    what: str,
) -> CountedSync:
    """plan() then execute() on the real engine: nothing refused, every job (`expected`) succeeds."""
    counts: Counter[str] = Counter()

    async def count(request: httpx.Request) -> None:
        counts[classify(request)] += 1

    session = SyncSession(name, profile, journal=Journal(journal), concurrency=concurrency)
    session.client.event_hooks = {"request": [count], "response": []}
    async with session:
        started = time.perf_counter()
        plans = await session.plan()
        planned = time.perf_counter()
        refused = [r.name for _, plan in plans for r in plan.refusals]
        if refused:
            raise RuntimeError(f"the plan refused {what}s: {refused}")
        jobs = await session.execute(plans)
        elapsed = time.perf_counter() - started
        poller = session.poller.stats()
    states = Counter(job.state for job in jobs)
    if states != {JobState.SUCCEEDED: expected}:
        raise RuntimeError(f"the sync did not copy every {what}: {dict(states)}")
    return CountedSync(jobs, plans, elapsed, planned - started, counts, poller)


async def engine_sync(emulator: Emulator, s: Settings, journal: Path) -> dict[str, Any]:
    run = await counted_sync(
        "bench",
        profile(emulator.resources[SOURCE], emulator.resources[TARGET]),
        journal,
        concurrency=s.concurrency,
        classify=classify,
        expected=s.copies,
        what="model",
    )
    return {"elapsed": run.elapsed, "plan": run.plan_seconds, "counts": run.counts, "poller": run.poller}


async def plain_flow(emulator: Emulator, s: Settings) -> dict[str, Any]:
    """The documented flow done plainly: authorize, copy, poll every second, one model after another."""
    src, tgt = emulator.resources[SOURCE], emulator.resources[PLAIN_TARGET]
    src_key = {"Ocp-Apim-Subscription-Key": src["keys"][0]}
    tgt_key = {"Ocp-Apim-Subscription-Key": tgt["keys"][0]}
    width = len(str(s.copies))
    requests = 0
    async with httpx.AsyncClient(timeout=30) as http:

        async def send(method: str, url: str, **kw: Any) -> httpx.Response:
            nonlocal requests
            requests += 1
            response = await http.request(method, url, **kw)
            response.raise_for_status()
            return response

        started = time.perf_counter()
        for n in range(1, s.sample + 1):
            model_id = f"model-{n:0{width}d}"
            auth = await send(
                "POST",
                f"{tgt['endpoint']}/documentintelligence/documentModels:authorizeCopy",
                params=API,
                headers=tgt_key,
                json={"modelId": model_id},
            )
            copy = await send(
                "POST",
                f"{src['endpoint']}/documentintelligence/documentModels/{model_id}:copyTo",
                params=API,
                headers=src_key,
                json=auth.json(),
            )
            url = copy.headers["Operation-Location"]
            while True:
                await asyncio.sleep(1.0)
                status = (await send("GET", url, headers=src_key)).json()["status"].lower()
                if status == "succeeded":
                    break
                if status in ("failed", "canceled"):
                    raise RuntimeError(f"the plain copy of {model_id} ended {status}")
        elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, "requests": requests}


# -- 3: status vs listing both sides one after the other -----------------------------------------


async def status_vs_listing(
    primary: dict[str, Any], secondary: dict[str, Any], s: Settings, journal: Path
) -> dict[str, Any]:
    session = SyncSession("bench-status", profile(primary, secondary), journal=Journal(journal))
    async with session:
        [pair] = session.pairs

        async def list_side(side: Side) -> int:
            adapter = pair.adapter(side)
            return sum([len(await adapter.list_assets(kind)) for kind in adapter.kinds])

        async def listing() -> int:
            return await list_side(Side.PRIMARY) + await list_side(Side.SECONDARY)

        async def listing_at_once() -> int:  # a diagnostic: status without the comparison
            return sum(await asyncio.gather(list_side(Side.PRIMARY), list_side(Side.SECONDARY)))

        async def status() -> int:
            [result] = await session.status()
            return len(result.pairs)

        await status()  # warm up: connections open, code paths hot
        runs: dict[str, list[float]] = {"status": [], "listing": [], "at once": []}
        for _ in range(s.status_rounds):
            for name, run in (("listing", listing), ("status", status), ("at once", listing_at_once)):
                began = time.perf_counter()
                count = await run()
                runs[name].append(time.perf_counter() - began)
                expected = s.status_models * (1 if name == "status" else 2)
                if count != expected:
                    raise RuntimeError(f"{name} saw {count} models, expected {expected}")
    return {name: min(times) for name, times in runs.items()} | {"all": runs}


# -- report --------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def measure(s: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="regionsync-bench-") as name:
        tmp = Path(name)
        copies = {SOURCE: s.copies, TARGET: 0, PLAIN_TARGET: 0}
        emulator = start_emulator(tmp, "copies", scenario(s, copies, "model-"))
        try:
            sync = await engine_sync(emulator, s, tmp / "journal.sqlite3")
            plain = await plain_flow(emulator, s)
        finally:
            emulator.stop()
        big = {BIG_SOURCE: s.status_models, BIG_TARGET: s.status_models}
        worlds = [big] if s.shared_emulator else [{n: c} for n, c in big.items()]
        emulators = [start_emulator(tmp, f"status-{i}", scenario(s, w, "doc-")) for i, w in enumerate(worlds)]
        try:
            found = {n: r for e in emulators for n, r in e.resources.items()}
            status = await status_vs_listing(found[BIG_SOURCE], found[BIG_TARGET], s, tmp / "status.sqlite3")
        finally:
            for emulator in emulators:
                emulator.stop()

    floor = s.copy_seconds * math.ceil(s.copies / s.concurrency)
    ratio = sync["elapsed"] / floor
    plain_total = plain["elapsed"] * s.copies / s.sample
    speedup = plain_total / sync["elapsed"]
    counts: Counter[str] = sync["counts"]
    per_copy = {k: counts[k] / s.copies for k in ("authorize", "copy", "poll", "verify")}
    per_model = sum(per_copy.values())
    status_ratio = status["status"] / status["listing"]
    results = {
        "floor": ratio <= TARGETS["floor"],
        "speedup": speedup >= TARGETS["speedup"],
        "requests": per_model <= TARGETS["requests"],
        "status": status_ratio <= TARGETS["status"],
    }

    print(
        f"emulator: `regionsync emulator` in its own process on loopback, speed 1, copy "
        f"{s.copy_seconds:g} s, +{s.latency_ms:g} ms per request"
    )
    print(f"1. sync of {s.copies} missing models at concurrency {s.concurrency} (real engine, plan included)")
    print(
        f"   elapsed {sync['elapsed']:.2f} s (plan {sync['plan']:.2f} s) · floor {floor:.2f} s "
        f"({s.copy_seconds:g} s × ⌈{s.copies}/{s.concurrency}⌉) · ratio {ratio:.3f}"
        f"   target ≤ {TARGETS['floor']}  {verdict(results['floor'])}"
    )
    print(
        f"   plain flow (authorize, copy, poll every 1 s, one after another) on a {s.sample}-model sample: "
        f"{plain['elapsed']:.2f} s → ×{s.copies / s.sample:g} = {plain_total:.1f} s for {s.copies}"
    )
    print(f"   speed-up {speedup:.1f}×   target ≥ {TARGETS['speedup']:g}×  {verdict(results['speedup'])}")
    print("2. requests per copied model (engine, counted on its httpx client)")
    breakdown = "  ".join(f"{k} {v:.2f}" for k, v in per_copy.items())
    print(
        f"   {per_model:.2f} per model ({breakdown}; total {sum(counts[k] for k in per_copy)} for "
        f"{s.copies})   target ≤ {TARGETS['requests']:g}  {verdict(results['requests'])}"
    )
    print(
        f"   plus {counts['status+plan']} status/plan requests for the whole sync; the plain flow sent "
        f"{plain['requests'] / s.sample:.2f} per model; poller learnt "
        f"{_learnt(sync['poller'])}"
    )
    served = (
        "one emulator process for both regions" if s.shared_emulator else "one emulator process per region"
    )
    print(f"3. status of {s.status_models} models per side (best of {s.status_rounds}; {served})")
    print(
        f"   status {status['status']:.3f} s · both sides listed one after the other "
        f"{status['listing']:.3f} s · ratio {status_ratio:.3f}   target ≤ {TARGETS['status']}  "
        f"{verdict(results['status'])}"
    )
    runs = status["all"]
    print(
        "   every run: status "
        + ", ".join(f"{t:.3f}" for t in runs["status"])
        + " · listing "
        + ", ".join(f"{t:.3f}" for t in runs["listing"])
        + f" (ratio of medians {statistics.median(runs['status']) / statistics.median(runs['listing']):.3f})"
    )
    print(
        f"   diagnostic: both listings at once (asyncio.gather, no comparison) {status['at once']:.3f} s"
        f" · ratio {status['at once'] / status['listing']:.3f}"
    )
    return 0 if all(results.values()) else 1


def _learnt(stats: dict[str, Any]) -> str:
    durations = [d for kinds in stats.get("learnt", {}).values() for d in kinds.values()]
    return ", ".join(f"{d:.3f} s" for d in durations) or "nothing"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--copy-seconds", type=float, default=1.5)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--sample", type=int, default=20, help="models the plain flow copies (scaled)")
    parser.add_argument("--status-models", type=int, default=5000)
    parser.add_argument("--status-rounds", type=int, default=3)
    parser.add_argument(
        "--shared-emulator", action="store_true", help="serve both status regions from one emulator process"
    )
    args = parser.parse_args()
    settings = Settings(
        copies=args.copies,
        concurrency=args.concurrency,
        copy_seconds=args.copy_seconds,
        latency_ms=args.latency_ms,
        sample=min(args.sample, args.copies),
        status_models=args.status_models,
        status_rounds=args.status_rounds,
        shared_emulator=args.shared_emulator,
    )
    return asyncio.run(measure(settings))


if __name__ == "__main__":
    sys.exit(main())
