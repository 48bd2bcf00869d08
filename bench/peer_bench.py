"""Bench: regionsync against the real peer — the official SDK with a thread pool — end to end.

Everything runs as a user runs it: ONE `regionsync emulator` process serves both regions (eastus,
westus2) on loopback, at speed 1, every request 20 ms slower (a latency fault); regionsync is the CLI
process (`regionsync sync --yes --concurrency 16`, `regionsync status --json`: start-up, config,
journal and output included); the peer is a script on azure-ai-documentintelligence (the `test`
extra) run as its own process too (bench/sdk_baseline.py). Each figure is the median of 3 runs, printed
with the load average of the machine when the runs ended.

Targets (ratios within one run):
- sync of 200 missing models at concurrency 16: ≤ 1.15 × the floor (copy time × 200 / 16, pipelined)
  and ≤ 0.80 × the SDK with a 16-thread pool (authorize, begin_copy_model_to, result()); the
  documented one-at-a-time flow is the second baseline, run on a sample and scaled to 200;
- requests per copied model ≤ 3.2: every request the emulator saw during `sync`, less those of a
  `plan` of an identical pair (the listings), over the 200 — with no Retry-After from the emulator;
- `status` of 5,000 models per side ≤ 0.80 × the SDK listing both sides on 2 threads;
- `status` of 50,000 per side ≤ 10.5 × the 5,000 time, and ≤ 250 MB resident (the CLI process's
  peak RSS);
- SQLite statements per copy job (journal), counted in process with the same engine: reported; its
  target (≤ 15) belongs to the journal's owner.

Copies take 1.5 s (the issue's figure) unless `--copy-seconds` says otherwise; the whole bench takes
about six minutes on the 2-core machine.

    .venv/bin/python -m bench peer_bench
    .venv/bin/python bench/peer_bench.py [--copies 200] [--concurrency 16] [--copy-seconds 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
API_VERSION = "2024-11-30"
ROUNDS = 3
LATENCY_MS = 20
TARGETS = {
    "floor": 1.15,
    "sdk_copy": 0.80,
    "requests": 3.2,
    "sdk_list": 0.80,
    "linear": 10.5,
    "rss_mb": 250.0,
    "statements": 15.0,
}


@dataclass(frozen=True)
class Settings:
    copies: int
    concurrency: int
    copy_seconds: float
    serial_sample: int
    small: int
    big: int


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- the emulator -------------------------------------------------------------------------------


def resource_lines(name: str, region: str, models: int = 0, prefix: str = "doc-") -> list[str]:
    lines = ["", "[[resource]]", f'name = "{name}"', f'region = "{region}"']
    lines.append(f"custom_model_limit = {max(250, models + 50)}")
    if models:
        lines += ["", "[[resource.generate]]", f"count = {models}", f'prefix = "{prefix}"']
    return lines


def scenario(copy_seconds: float, resources: list[list[str]]) -> str:
    """Copies of `copy_seconds` at speed 1, every request LATENCY_MS slower, no Retry-After on copies."""
    head = ["[clock]", "speed = 1.0", f"copy_seconds = {copy_seconds}", ""]
    head += ["[[fault]]", 'kind = "latency"', f"ms = {LATENCY_MS}"]
    return "\n".join(head + [line for lines in resources for line in lines]) + "\n"


@dataclass
class Emulator:
    proc: subprocess.Popen[str]
    admin: str
    resources: dict[str, dict[str, Any]]

    def requests(self) -> int:
        """Every request that has reached a resource so far (the admin world view's counter)."""
        view = httpx.get(f"{self.admin}/_emulator/world", timeout=120).json()
        return sum(sum(methods.values()) for methods in view["requests"].values())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_emulator(folder: Path, name: str, text: str) -> Emulator:
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
    return Emulator(proc, info["admin"], {r["name"]: r for r in info["resources"]})


# -- the two sides' processes -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float
    stdout: str


def run_process(argv: list[str], env: dict[str, str], folder: Path, ok: tuple[int, ...] = (0,)) -> Run:
    """Run `argv` to its end: wall time, peak resident memory (its own, from wait4), stdout.
    An exit code not in `ok` stops the bench with the end of the process's stderr."""
    out_path, err_path = folder / "stdout.txt", folder / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        tail = err_path.read_text()[-2000:]
        raise RuntimeError(f"{' '.join(argv[1:5])} … exited {proc.returncode}:\n{tail}")
    return Run(seconds, usage.ru_maxrss / 1024, out_path.read_text())


class Cli:
    """`regionsync` as a user runs it: a profiles file, keys in environment variables, its own data dir."""

    def __init__(self, folder: Path, emulator: Emulator) -> None:
        self.folder = folder
        self.emulator = emulator
        self.env = {**os.environ, "REGIONSYNC_CONFIG": str(folder / "config.toml")}
        self.profiles: list[str] = []
        self.runs = 0

    def side(self, name: str) -> str:
        res = self.emulator.resources[name]
        variable = "RS_PEER_KEY_" + name.upper().replace("-", "_")
        self.env[variable] = res["keys"][0]
        return (
            f'{{ endpoint = "{res["endpoint"]}", region = "{res["region"]}", '
            f'resource_id = "{res["resource_id"]}", key = "env:{variable}" }}'
        )

    def add_profile(self, profile: str, primary: str, secondary: str) -> None:
        self.profiles += [
            f"[profiles.{profile}.document-intelligence]",
            f'api_version = "{API_VERSION}"',
            f"primary = {self.side(primary)}",
            f"secondary = {self.side(secondary)}",
            "",
        ]
        (self.folder / "config.toml").write_text("\n".join(self.profiles))

    def run(self, profile: str, *args: str, ok: tuple[int, ...] = (0,)) -> Run:
        self.runs += 1
        data = self.folder / f"data-{self.runs}"  # a fresh journal every run
        env = {**self.env, "REGIONSYNC_DATA_DIR": str(data), "REGIONSYNC_PROFILE": profile}
        return run_process([sys.executable, "-m", "regionsync", *args], env, self.folder, ok)


def sdk(folder: Path, emulator: Emulator, mode: str, source: str, target: str, **extra: Any) -> Run:
    def side(name: str) -> dict[str, str]:
        res = emulator.resources[name]
        return {"endpoint": res["endpoint"], "key": res["keys"][0]}

    spec_path = folder / f"sdk-{mode}.json"
    spec_path.write_text(json.dumps({"source": side(source), "target": side(target), **extra}))
    argv = [sys.executable, str(HERE / "sdk_baseline.py"), mode, str(spec_path)]
    return run_process(argv, dict(os.environ), folder)


# -- the figures ------------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: str
    baseline: str
    target: str
    ok: bool | None
    load: str

    def line(self) -> str:
        mark = "" if self.ok is None else f"  {verdict(self.ok)}"
        return (
            f"  {self.name:<34} {self.value:<22} vs {self.baseline:<44} "
            f"target {self.target:<22} [{self.load}]{mark}"
        )


def median_of(runs: list[Run], key: Callable[[Run], float] = lambda r: r.seconds) -> float:
    return statistics.median(key(r) for r in runs)


def spread(runs: list[Run]) -> str:
    return "/".join(f"{r.seconds:.2f}" for r in runs)


def copies_phase(s: Settings, folder: Path, figures: list[Figure]) -> None:
    width = len(str(s.copies))  # as the scenario's [[resource.generate]] names them
    names = [f"copy-{n:0{width}d}" for n in range(1, s.copies + 1)]
    sample = names[: s.serial_sample]
    resources = [resource_lines("peer-eus", "eastus", s.copies, prefix="copy-")]
    targets = [f"{who}-wus-{n}" for who in ("cli", "plan", "sdk", "serial") for n in range(1, ROUNDS + 1)]
    resources += [resource_lines(t, "westus2") for t in targets]
    emulator = start_emulator(folder, "copies", scenario(s.copy_seconds, resources))
    try:
        cli = Cli(folder, emulator)
        for n in range(1, ROUNDS + 1):
            cli.add_profile(f"sync{n}", "peer-eus", f"cli-wus-{n}")
            cli.add_profile(f"plan{n}", "peer-eus", f"plan-wus-{n}")
        ours: list[Run] = []
        per_copy: list[float] = []
        sdk_pool: list[Run] = []
        serial: list[Run] = []
        for n in range(1, ROUNDS + 1):
            before = emulator.requests()
            cli.run(f"plan{n}", "plan", "--json", ok=(1,))  # 1: something to copy
            listing = emulator.requests() - before
            before = emulator.requests()
            ours.append(cli.run(f"sync{n}", "sync", "--yes", "--concurrency", str(s.concurrency)))
            per_copy.append((emulator.requests() - before - listing) / s.copies)
            pool = {"models": names, "concurrency": s.concurrency}
            sdk_pool.append(sdk(folder, emulator, "copy", "peer-eus", f"sdk-wus-{n}", **pool))
            serial.append(sdk(folder, emulator, "serial", "peer-eus", f"serial-wus-{n}", models=sample))
        load = load_average()
    finally:
        emulator.stop()
    floor = s.copy_seconds * s.copies / s.concurrency
    mine, theirs = median_of(ours), median_of(sdk_pool)
    one_by_one = median_of(serial) * s.copies / len(sample)
    figures += [
        Figure(
            f"sync {s.copies} at c{s.concurrency} / floor",
            f"{mine:.2f} s = {mine / floor:.3f} ×",
            f"floor {floor:.2f} s ({s.copy_seconds:g} s × {s.copies} / {s.concurrency})",
            f"≤ {TARGETS['floor']} ×",
            mine / floor <= TARGETS["floor"],
            load,
        ),
        Figure(
            "sync / SDK 16-thread pool",
            f"{mine:.2f} s = {mine / theirs:.3f} ×",
            f"SDK {theirs:.2f} s (runs {spread(sdk_pool)})",
            f"≤ {TARGETS['sdk_copy']} ×",
            mine / theirs <= TARGETS["sdk_copy"],
            load,
        ),
        Figure(
            "sync / SDK one at a time",
            f"{mine:.2f} s = {one_by_one / mine:.1f} × faster",
            f"documented flow {one_by_one:.1f} s ({len(sample)} copies, × {s.copies // len(sample)})",
            "(second baseline)",
            None,
            load,
        ),
        Figure(
            "requests per copied model",
            f"{statistics.median(per_copy):.3f}",
            "no Retry-After from the emulator",
            f"≤ {TARGETS['requests']}",
            statistics.median(per_copy) <= TARGETS["requests"],
            load,
        ),
    ]
    print(f"  (sync runs {spread(ours)} s; requests per copy {', '.join(f'{p:.3f}' for p in per_copy)})")


def status_runs(cli: Cli, profile: str) -> list[Run]:
    return [cli.run(profile, "status", "--json") for _ in range(ROUNDS)]


def status_phase(s: Settings, folder: Path, figures: list[Figure]) -> None:
    resources = [
        resource_lines("list-eus", "eastus", s.small),
        resource_lines("list-wus", "westus2", s.small),
    ]
    emulator = start_emulator(folder, "status-small", scenario(s.copy_seconds, resources))
    try:
        cli = Cli(folder, emulator)
        cli.add_profile("small", "list-eus", "list-wus")
        small = status_runs(cli, "small")
        peer = [sdk(folder, emulator, "list", "list-eus", "list-wus") for _ in range(ROUNDS)]
        wire = [sdk(folder, emulator, "wire", "list-eus", "list-wus") for _ in range(ROUNDS)]
        assert all(json.loads(r.stdout)["count"] == s.small for r in peer + wire)
        load_small = load_average()
    finally:
        emulator.stop()
    resources = [resource_lines("big-eus", "eastus", s.big), resource_lines("big-wus", "westus2", s.big)]
    emulator = start_emulator(folder, "status-big", scenario(s.copy_seconds, resources))
    try:
        cli = Cli(folder, emulator)
        cli.add_profile("big", "big-eus", "big-wus")
        big = status_runs(cli, "big")
        load_big = load_average()
    finally:
        emulator.stop()
    mine, theirs, floor = median_of(small), median_of(peer), median_of(wire)
    large = median_of(big)
    rss = median_of(big, key=lambda r: r.rss_mb)
    scale = s.big / s.small
    linear = TARGETS["linear"] * scale / 10
    figures += [
        Figure(
            f"status {s.small:,}/side / SDK 2 threads",
            f"{mine:.2f} s = {mine / theirs:.3f} ×",
            f"SDK listing {theirs:.2f} s (runs {spread(peer)})",
            f"≤ {TARGETS['sdk_list']} ×",
            mine / theirs <= TARGETS["sdk_list"],
            load_small,
        ),
        Figure(
            "  the wire floor / SDK 2 threads",
            f"{floor:.2f} s = {floor / theirs:.3f} ×",
            f"bare httpx following nextLink (runs {spread(wire)})",
            "(no client lists faster)",
            None,
            load_small,
        ),
        Figure(
            f"status {s.small:,}/side / the wire floor",
            f"{mine:.2f} s = {mine / floor:.3f} ×",
            f"wire floor {floor:.2f} s",
            "(reported)",
            None,
            load_small,
        ),
        Figure(
            f"status {s.big:,}/side / {s.small:,}/side",
            f"{large:.2f} s = {large / mine:.2f} ×",
            f"{s.small:,}/side {mine:.2f} s (runs {spread(small)})",
            f"≤ {linear:g} ×",
            large / mine <= linear,
            load_big,
        ),
        Figure(
            f"status {s.big:,}/side resident",
            f"{rss:.0f} MB",
            f"runs {'/'.join(f'{r.rss_mb:.0f}' for r in big)} MB",
            f"≤ {TARGETS['rss_mb']:.0f} MB",
            rss <= TARGETS["rss_mb"],
            load_big,
        ),
    ]
    print(f"  (status {s.big:,}/side runs {spread(big)} s)")


def journal_statements(copies: int = 40, concurrency: int = 8) -> float:
    """SQLite statements per copy job: the real engine in process, its journal's statements traced."""
    from regionsync.config import Profile, ServiceProfile, SideConfig
    from regionsync.emulator import Clock, EmulatorTransport, World
    from regionsync.sync.journal import Journal
    from regionsync.sync.session import SyncSession

    world = World(Clock(speed=1.0), copy_seconds=0.05)
    for name, region in (("stmt-eus", "eastus"), ("stmt-wus", "westus2")):
        world.add_resource(name, region=region)
        os.environ["RS_STMT_KEY_" + name.upper().replace("-", "_")] = world.resources[name].keys[0]
    for n in range(copies):
        world.add_model("stmt-eus", f"m-{n:03d}")

    def side(name: str) -> SideConfig:
        res = world.resources[name]
        key = "env:RS_STMT_KEY_" + name.upper().replace("-", "_")
        return SideConfig(
            endpoint=world.endpoint(name), region=res.region, resource_id=res.resource_id, key=key
        )

    pair = ServiceProfile(api_version=API_VERSION, primary=side("stmt-eus"), secondary=side("stmt-wus"))
    profile = Profile.model_validate({"document-intelligence": pair})
    statements = 0

    def count(_: str) -> None:
        nonlocal statements
        statements += 1

    async def run(folder: Path) -> int:
        journal = Journal(folder / "journal.sqlite3")
        transport = EmulatorTransport(world)
        session = SyncSession("stmt", profile, journal=journal, transport=transport, concurrency=concurrency)
        async with session:
            plans = await session.plan()
            journal._db.set_trace_callback(count)
            jobs = await session.execute(plans)
            journal._db.set_trace_callback(None)
        return len(jobs)

    with tempfile.TemporaryDirectory() as folder:
        jobs = asyncio.run(run(Path(folder)))
    return statements / max(jobs, 1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--copy-seconds", type=float, default=1.5)
    parser.add_argument("--serial-sample", type=int, default=4)
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--big", type=int, default=50000)
    args = parser.parse_args()
    s = Settings(args.copies, args.concurrency, args.copy_seconds, args.serial_sample, args.small, args.big)
    print(
        f"  one `regionsync emulator` process for both regions, speed 1, copies {s.copy_seconds:g} s, "
        f"+{LATENCY_MS} ms a request, no Retry-After; medians of {ROUNDS}; {load_average()}",
        flush=True,
    )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="peer-bench-") as tmp:
        folder = Path(tmp)
        copies_phase(s, folder, figures)
        status_phase(s, folder, figures)
    per_job = journal_statements()
    figures.append(
        Figure(
            "SQLite statements per copy job",
            f"{per_job:.1f}",
            "journal traced, in process",
            f"≤ {TARGETS['statements']:g} (journal owner's)",
            per_job <= TARGETS["statements"],
            load_average(),
        )
    )
    for figure in figures:
        print(figure.line(), flush=True)
    missed = [f.name for f in figures if f.ok is False]
    print("  three-run medians: " + "; ".join(f"{f.name} {f.value}" for f in figures if f.value))
    print(f"  {'all targets PASS' if not missed else 'MISS: ' + '; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    if str(HERE.parent) not in sys.path:
        sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
