"""`regionsync watch`: keep a profile's pairs in sync unattended, with metrics and a health check.

The loop is `regionsync.sync.watch.Watcher`; this module parses the options, claims the profile
(a second watcher of it exits 2 naming the first), serves `/metrics` and `/healthz` with uvicorn in
the same event loop, writes one log line per event on stdout (JSON lines with --json) and turns
SIGTERM / SIGINT into a clean stop: no new work, running jobs left interrupted and resumable, exit 0.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from regionsync.cli.options import CONFIG, PROFILE, SERVICE, open_session, run_async
from regionsync.present import hms

if TYPE_CHECKING:
    import asyncio
    import socket

    from regionsync.sync.watch import Watcher, WatchEvent

DEFAULT_INTERVAL = "5m"
DEFAULT_HOST = "127.0.0.1"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|[smhd]?)\s*$")
_UNIT = {"ms": 0.001, "": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str) -> float:
    """'5m', '30s', '1h', '90' (seconds) → seconds; at least 0.2 s."""
    match = _DURATION.match(value)
    if not match:
        raise typer.BadParameter("use a duration such as 5m, 30s or 1h", param_hint="--interval")
    seconds = float(match.group(1)) * _UNIT[match.group(2)]
    if seconds < 0.2:
        raise typer.BadParameter("the interval must be at least 0.2s", param_hint="--interval")
    return seconds


def parse_listen(value: str) -> tuple[str, int]:
    """'9108' or ':9108' → (127.0.0.1, 9108); 'HOST:PORT' as given (port 0: any free port)."""
    host, _, port = value.rpartition(":")
    host = host.strip("[]") or DEFAULT_HOST
    try:
        number = int(port)
    except ValueError:
        raise typer.BadParameter(
            "use HOST:PORT or PORT, e.g. 127.0.0.1:9108", param_hint="--metrics"
        ) from None
    if not 0 <= number <= 65535:
        raise typer.BadParameter("the port must be 0-65535", param_hint="--metrics")
    return host, number


def watch(
    config: Path | None = CONFIG,
    profile: str | None = PROFILE,
    service: str | None = SERVICE,
    interval: str = typer.Option(
        DEFAULT_INTERVAL,
        "--interval",
        "-i",
        help="How often to check (e.g. 30s, 5m, 1h); a little jitter is added.",
    ),
    replace_drifted: bool = typer.Option(
        False,
        "--replace-drifted",
        help="Also replace drifted copies (deletes the outdated copy first where the service needs it).",
    ),
    metrics: str | None = typer.Option(
        None,
        "--metrics",
        help="Serve /metrics and /healthz on HOST:PORT (a bare PORT binds 127.0.0.1).",
    ),
    json_output: bool = typer.Option(False, "--json", help="One JSON object per event on stdout."),
) -> None:
    """Keep the pair in sync unattended: check every interval, copy what is missing.

    Each check reads both sides, resumes open jobs nobody runs, and copies what the secondary
    lacks; drifted copies only with --replace-drifted; nothing else is ever deleted. A region
    outage does not stop it: it says the side is down, keeps the last-known readiness, and
    carries on when the region is back. One line per event on stdout (JSON lines with --json).

    SIGTERM or Ctrl-C stops it cleanly (exit 0): running jobs stay open for `jobs resume`. A
    second watch of the same profile exits 2 naming the first.

    Examples:

      regionsync watch --interval 5m --metrics 127.0.0.1:9108

      regionsync watch --profile contoso --json --replace-drifted
    """
    seconds = parse_interval(interval)
    listen = parse_listen(metrics) if metrics is not None else None
    raise typer.Exit(
        run_async(lambda: _watch(config, profile, service, seconds, replace_drifted, listen, json_output))
    )


async def _watch(
    config: Path | None,
    profile: str | None,
    service: str | None,
    interval: float,
    replace_drifted: bool,
    listen: tuple[str, int] | None,
    json_output: bool,
) -> int:
    import asyncio
    import signal

    from prometheus_client import disable_created_metrics

    from regionsync.sync.watch import Watcher, already_watched
    from regionsync.sync.watch_metrics import WatchMetrics

    disable_created_metrics()  # no `*_created` series beside every counter: the metrics list is the README's
    log = _Log(json_output)
    async with open_session(config, profile, service) as session:
        watcher = Watcher(
            session,
            interval=interval,
            replace_drifted=replace_drifted,
            metrics=WatchMetrics(),
            log=log,
        )
        holder = watcher.claim()
        if holder is not None:
            error = already_watched(holder)
            log.refusal(error.one_line(), holder.owner.pid, holder.owner.host)
            return 2
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        server = None
        try:
            if listen is not None:
                server = await _serve(watcher, listen, log)
            await watcher.run(stop)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            if server is not None:
                await server.stop()
            watcher.release()
    return 0


class _Log:
    """The watcher's events as lines on stdout: JSON objects, or short human lines."""

    def __init__(self, json_output: bool) -> None:
        self.json_output = json_output

    def __call__(self, event: WatchEvent) -> None:
        if self.json_output:
            import json

            line = json.dumps(event.as_json(), ensure_ascii=False, default=str)
        else:
            line = f"{hms(event.at.astimezone())} {event.kind:<9} {event.message}"
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def refusal(self, message: str, pid: int, host: str) -> None:
        """Another watcher holds the profile: said on stderr (and as JSON on stdout with --json)."""
        if self.json_output:
            import json

            sys.stdout.write(
                json.dumps({"event": "refused", "message": message, "watched_by": {"pid": pid, "host": host}})
                + "\n"
            )
            sys.stdout.flush()
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


class _MetricsServer:
    """uvicorn serving the watcher's Starlette app in this event loop, on a socket bound up front."""

    def __init__(self, server: Any, task: asyncio.Task[None], sock: socket.socket) -> None:
        self.server = server
        self.task = task
        self.sock = sock

    async def stop(self) -> None:
        import asyncio
        import contextlib

        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.task, timeout=2)
        except (TimeoutError, asyncio.CancelledError):
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        self.sock.close()


async def _serve(watcher: Watcher, listen: tuple[str, int], log: _Log) -> _MetricsServer:
    import asyncio
    import contextlib
    import socket

    import uvicorn

    from regionsync.errors import RegionSyncError
    from regionsync.sync.watch_metrics import metrics_app

    assert watcher.metrics is not None
    host, port = listen
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise RegionSyncError(
            what=f"Cannot serve metrics on {host}:{port}: {exc.strerror or exc}.",
            todo="pick another --metrics HOST:PORT (port 0 takes any free port)",
            code="MetricsListen",
        ) from None
    sock.listen(64)
    sock.setblocking(False)
    bound_host, bound_port = sock.getsockname()[:2]

    class _Server(uvicorn.Server):
        """The watcher handles SIGTERM/SIGINT itself: uvicorn must not take (or re-raise) them."""

        @contextlib.contextmanager
        def capture_signals(self) -> Any:
            yield

    app = metrics_app(watcher.metrics, watcher.health)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
    url = f"http://{shown}:{bound_port}"
    from regionsync.sync.watch import WatchEvent

    log(
        WatchEvent(
            kind="metrics",
            message=f"metrics on {url}/metrics, health on {url}/healthz",
            at=watcher.now(),
            data={"metrics": f"{url}/metrics", "healthz": f"{url}/healthz", "port": bound_port},
        )
    )
    return _MetricsServer(server, task, sock)
