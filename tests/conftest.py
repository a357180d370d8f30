"""Shared fixtures: real HTTP servers on 127.0.0.1, fresh archive paths, the CLI as a user
runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

Route = (
    tuple[int, dict[str, str], bytes]
    | Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]
)


class RouteServer:
    """A tiny real server answering from a dict of path -> (status, headers, body) or callable."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        routes, requests = self.routes, self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                requests.append((self.path, dict(self.headers)))
                route = routes.get(self.path, (404, {}, b"not found"))
                status, headers, body = route(self) if callable(route) else route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def route_server() -> Iterator[RouteServer]:
    server = RouteServer()
    yield server
    server.close()


@pytest.fixture
def replica() -> Iterator[tuple[Any, Any]]:
    """The bundled replica site, served on 127.0.0.1: (site, server)."""
    from scraper.replica import ReplicaServer, ReplicaSite

    site = ReplicaSite()
    with ReplicaServer(site) as server:
        yield site, server


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "archive.db"


def crawl_args(server: Any, db: Path, *extra: str, full: bool = True) -> list[str]:
    """`scraper crawl` of a local test server: no politeness delay, one fast retry."""
    args = ["crawl", "--start-url", f"{server.base_url}/xxgk/", "--db", str(db)]
    args += ["--delay", "0", "--retries", "1", "--retry-wait", "0", *extra]
    return [*args, "--full"] if full else args


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `scraper ARGS…` in a subprocess, as a user (or cron) would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPER_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scraper", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )
