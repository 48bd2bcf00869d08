"""Bench: the two figures of issue #7's speed section, measured in one run with the real engine.

The emulator is a `World` served on real loopback sockets by `regionsync.emulator.serve` (one
listener per region), on a real clock (speed 1 unless `--speed` says otherwise), with a per-request
latency fault on every resource. The engine is the real `SyncSession` (adapters, recipes, runner,
poller, journal) with its own httpx client on those sockets — profiles built as the engine tests
build them (`tests/engine_support.py`) — and an event hook on that client counts every request.

1. Replicate 20 Language projects (each trained and deployed on the primary) at concurrency 4, plan
   included: elapsed over the floor ≤ 1.2. The floor is what the service's own job times force:
   ⌈20 / 4⌉ = 5 waves, each as long as the sum of its slowest job's step times — export + import +
   train + deploy, as the emulator's clock makes them (`job_seconds` for export, import and deploy,
   `train_seconds` for train, divided by the clock's speed). Every job here is alike, so the floor
   is 5 × (3 × job + train) real seconds.
2. Requests per copied Content Understanding analyzer ≤ 4 (grant, copy, polls, verify), 20
   analyzers whose model deployments exist on the target (none is refused); the status and plan
   listings are printed apart.

    .venv/bin/python -m bench replicate_bench
    .venv/bin/python bench/replicate_bench.py [--projects 20] [--concurrency 4] [--job-seconds 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.counted import counted_sync, learnt, verdict
from engine_support import (
    CU_PRIMARY,
    CU_SECONDARY,
    LANGUAGE_PRIMARY,
    LANGUAGE_SECONDARY,
    add_pair,
    cu_profile,
    language_profile,
)
from regionsync.domain import Job, JobState, Service
from regionsync.emulator import Clock, World, serve

TARGETS = {"floor": 1.2, "requests": 4.0}
LANGUAGE_STEPS = ("export", "import", "train", "deploy")
"""The steps whose service jobs make the floor (verify only reads)."""
MODELS = {"completion": "gpt-4.1", "embedding": "text-embedding-3-large"}
DEPLOYMENTS = {"chat": "gpt-4.1", "emb": "text-embedding-3-large"}
ANALYZER = re.compile(r"/analyzers/[^/:]+$")


@dataclass(frozen=True)
class Settings:
    projects: int
    concurrency: int
    job_seconds: float
    train_seconds: float
    speed: float
    latency_ms: float
    api_version: str
    analyzers: int
    copy_seconds: float


# -- the emulated world --------------------------------------------------------------------------


def make_world(s: Settings) -> World:
    """A Language pair whose primary holds `projects` trained and deployed projects, and a Content
    Understanding pair whose primary holds `analyzers` analyzers, both sides deploying their models;
    every request `latency_ms` slower."""
    world = World(
        Clock(speed=s.speed),
        copy_seconds=s.copy_seconds,
        job_seconds=s.job_seconds,
        train_seconds=s.train_seconds,
    )
    add_pair(world, Service.LANGUAGE, LANGUAGE_PRIMARY, LANGUAGE_SECONDARY)
    add_pair(world, Service.CONTENT_UNDERSTANDING, CU_PRIMARY, CU_SECONDARY)
    width = len(str(s.projects))
    for n in range(1, s.projects + 1):
        world.add_project(
            LANGUAGE_PRIMARY, f"tickets-{n:0{width}d}", trained_models=("v1",), deployments={"prod": "v1"}
        )
    for resource in (CU_PRIMARY, CU_SECONDARY):
        for name, model in DEPLOYMENTS.items():
            world.add_deployment(resource, name, model)
    width = len(str(s.analyzers))
    for n in range(1, s.analyzers + 1):
        world.add_analyzer(CU_PRIMARY, f"invoices-{n:0{width}d}", description="Invoices", models=MODELS)
    world.faults.set_latency(s.latency_ms)
    return world


def step_seconds(world: World) -> dict[str, float]:
    """Real seconds each Language step's service job takes, from the emulator's configuration."""
    emulated = {
        step: world.train_seconds if step == "train" else world.job_seconds for step in LANGUAGE_STEPS
    }
    return {step: world.clock.real_seconds(seconds) for step, seconds in emulated.items()}


# -- 1: replicating Language projects --------------------------------------------------------------


def classify_language(request: httpx.Request) -> str:
    """What a request of the Language sync is for (reads: the source's training plan, or verify)."""
    path = request.url.path
    for action in ("export", "import", "train"):
        if path.endswith(f"/:{action}"):
            return action
    if request.method == "PUT" and "/deployments/" in path:
        return "deploy"
    if path.endswith("/result"):
        return "result"
    if "/jobs/" in path:
        return "poll"
    if path.endswith("/projects"):
        return "status+plan"
    return "plan-read" if path.startswith(f"/{LANGUAGE_PRIMARY}/") else "verify"


async def replicate_projects(world: World, s: Settings, journal: Path) -> dict[str, Any]:
    run = await counted_sync(
        "bench-language",
        language_profile(world, s.api_version),
        journal,
        concurrency=s.concurrency,
        classify=classify_language,
        expected=s.projects,
        what="project",
    )
    copied = world.resources[LANGUAGE_SECONDARY].projects
    serving = [p for p in copied.values() if "prod" in p.deployments and "v1" in p.trained_models]
    if len(serving) != s.projects:
        raise RuntimeError(f"{len(serving)} of {s.projects} projects serve on the secondary")
    return {
        "elapsed": run.elapsed,
        "plan": run.plan_seconds,
        "counts": run.counts,
        "poller": run.poller,
        "steps": measured_steps(run.jobs),
    }


def measured_steps(jobs: list[Job]) -> dict[str, float]:
    """Mean seconds each step took, as the journal timed it (request, polls and all)."""
    times: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        for step in job.steps:
            if step.state is JobState.SUCCEEDED and step.started and step.finished:
                times[step.name].append((step.finished - step.started).total_seconds())
    return {name: statistics.mean(values) for name, values in times.items()}


# -- 2: requests per analyzer copy -----------------------------------------------------------------


def classify_cu(request: httpx.Request) -> str:
    """What a request of the analyzer sync is for."""
    path = request.url.path
    if path.endswith(":grantCopyAuthorization"):
        return "grant"
    if path.endswith(":copy"):
        return "copy"
    if "/operations/" in path:
        return "poll"
    if request.method == "GET" and ANALYZER.search(path):
        return "verify"
    return "status+plan"


async def copy_analyzers(world: World, s: Settings, journal: Path) -> dict[str, Any]:
    run = await counted_sync(
        "bench-cu",
        cu_profile(world),
        journal,
        concurrency=s.concurrency,
        classify=classify_cu,
        expected=s.analyzers,
        what="analyzer",
    )
    ready = [a for a in world.resources[CU_SECONDARY].analyzers.values() if a.status == "ready"]
    if len(ready) != s.analyzers:
        raise RuntimeError(f"{len(ready)} of {s.analyzers} analyzers are ready on the secondary")
    return {"elapsed": run.elapsed, "counts": run.counts, "poller": run.poller}


# -- report ----------------------------------------------------------------------------------------


async def measure(s: Settings) -> int:
    world = make_world(s)
    seconds = step_seconds(world)
    with tempfile.TemporaryDirectory(prefix="regionsync-bench-") as name:
        tmp = Path(name)
        async with serve(world):
            language = await replicate_projects(world, s, tmp / "language.sqlite3")
            cu = await copy_analyzers(world, s, tmp / "cu.sqlite3")

    waves = math.ceil(s.projects / s.concurrency)
    per_wave = sum(seconds.values())
    floor = waves * per_wave
    ratio = language["elapsed"] / floor
    cu_counts: Counter[str] = cu["counts"]
    per_copy = {k: cu_counts[k] / s.analyzers for k in ("grant", "copy", "poll", "verify")}
    per_analyzer = sum(per_copy.values())
    results = {"floor": ratio <= TARGETS["floor"], "requests": per_analyzer <= TARGETS["requests"]}

    print(
        f"emulator: `regionsync.emulator.serve` on loopback (one listener per region), speed {s.speed:g}, "
        f"Language jobs {s.job_seconds:g} s, training {s.train_seconds:g} s, analyzer copies "
        f"{s.copy_seconds:g} s (emulated), +{s.latency_ms:g} ms per request"
    )
    print(
        f"1. replicate {s.projects} Language projects ({s.api_version}, trained and deployed) at "
        f"concurrency {s.concurrency} (real engine, plan included)"
    )
    steps = " + ".join(f"{step} {seconds[step]:g}" for step in LANGUAGE_STEPS)
    print(
        f"   floor {floor:.2f} s = {waves} waves (⌈{s.projects}/{s.concurrency}⌉) × the slowest job's "
        f"step times per wave ({steps} = {per_wave:g} s: emulator job_seconds / train_seconds ÷ speed)"
    )
    print(
        f"   elapsed {language['elapsed']:.2f} s (plan {language['plan']:.2f} s) · ratio {ratio:.3f}"
        f"   target ≤ {TARGETS['floor']}  {verdict(results['floor'])}"
    )
    measured = language["steps"]
    print(
        "   mean step time (journal) vs the service's: "
        + ", ".join(
            f"{name} {measured[name]:.2f}" + (f"/{seconds[name]:g}" if name in seconds else "")
            for name in (*LANGUAGE_STEPS, "verify")
            if name in measured
        )
        + " s"
    )
    counts: Counter[str] = language["counts"]
    work = {k: v for k, v in counts.items() if k != "status+plan"}
    print(
        f"   {sum(work.values()) / s.projects:.2f} requests per project ("
        + "  ".join(f"{k} {v / s.projects:.2f}" for k, v in sorted(work.items()))
        + f") plus {counts['status+plan']} status/plan; poller learnt {learnt(language['poller'])}"
    )
    print(
        f"2. requests per copied analyzer ({s.analyzers} analyzers, real engine, counted on its httpx client)"
    )
    breakdown = "  ".join(f"{k} {v:.2f}" for k, v in per_copy.items())
    print(
        f"   {per_analyzer:.2f} per analyzer ({breakdown}; total {sum(cu_counts[k] for k in per_copy)} for "
        f"{s.analyzers})   target ≤ {TARGETS['requests']:g}  {verdict(results['requests'])}"
    )
    print(
        f"   plus {cu_counts['status+plan']} status/plan requests for the whole sync "
        f"({cu['elapsed']:.2f} s); poller learnt {learnt(cu['poller'])}"
    )
    return 0 if all(results.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--job-seconds", type=float, default=0.5, help="export, import, deploy (emulated)")
    parser.add_argument("--train-seconds", type=float, default=2.0, help="training (emulated)")
    parser.add_argument("--speed", type=float, default=1.0, help="the emulator clock's speed-up")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--api-version", default="2023-04-01", choices=("2022-05-01", "2023-04-01"))
    parser.add_argument("--analyzers", type=int, default=20)
    parser.add_argument("--copy-seconds", type=float, default=1.0, help="an analyzer copy (emulated)")
    args = parser.parse_args()
    settings = Settings(
        projects=args.projects,
        concurrency=args.concurrency,
        job_seconds=args.job_seconds,
        train_seconds=args.train_seconds,
        speed=args.speed,
        latency_ms=args.latency_ms,
        api_version=args.api_version,
        analyzers=args.analyzers,
        copy_seconds=args.copy_seconds,
    )
    return asyncio.run(measure(settings))


if __name__ == "__main__":
    sys.exit(main())
