"""Logging and the progress line of a run: the console, ``--log-file`` (text or JSON lines)
and the one-line status display on a terminal. No click."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(verbose: int, log_file: str | None, log_format: str) -> None:
    """Terminal or cron: warnings (one line per failed URL) on stderr; everything at INFO
    (or DEBUG with -vv) in --log-file."""
    root = logging.getLogger("scraper")
    root.handlers.clear()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(
        logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(console)
    # Libraries (pypdf, openpyxl…) log and warn about damaged files: that belongs in the log
    # file, never on stderr, where cron would mail it on every successful run.
    logging.captureWarnings(True)
    libraries = logging.getLogger()
    libraries.handlers = [logging.NullHandler()]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        handler.setFormatter(
            JsonFormatter()
            if log_format == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
        root.addHandler(handler)
        libraries.addHandler(handler)
        libraries.setLevel(logging.INFO)


class StatusLine:
    """A one-line progress display on a terminal (the total is unknown until the end)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, counts: dict[str, int]) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.2:
            return
        self.last = now
        line = (
            f"\r\x1b[2K[scraper] fetched {counts['fetched']} · 304 {counts['not_modified']} · "
            f"new {counts['new_pages']} · changed {counts['new_versions']} · "
            f"errors {counts['errors']} · queued {counts.get('queued', 0)}"
        )
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
