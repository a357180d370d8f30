"""The bundled replica built to a static folder, so that any web server (nginx) can serve it.

    site = ReplicaSite.with_total_docs(5000)
    counts = build_static(site, Path("/tmp/replica"), "http://127.0.0.1:8080")
    # then serve /tmp/replica at http://127.0.0.1:8080/ with nginx, adding
    # nginx_locations(counts["redirects"]) to its server block

Every body is produced by the replica's own renderer (``ReplicaSite._render``, the function
whose bytes ``ReplicaSite.respond`` and so ``ReplicaServer`` answer 200 with), so each file
is byte-identical to what the replica serves at that path now (its current generation):
robots.txt, the disclosure index, every list page and pager page, every part of every
document, every attachment file and image, and the other pages the replica links to
(home, site map, footer pages). A folder address (``/xxgk/``, ``/xxgk/tzgg/``) is written as
its ``index.html``; where the replica serves only the folder (``/xxgk/tzgg/``, whose first
page is ``list.html``; the footer pages) that adds an ``index.html`` address it does not
serve, linked from nowhere.

Dropped in the static build, since a folder of files cannot express them:

- redirects: the two linked 301s (an old address of a document, a link that redirects
  off-site) are returned as ``counts["redirects"]`` (path -> absolute Location) for the
  server's configuration (``nginx_locations``); a server that ignores them answers 404 there,
  and the document behind the in-scope one is then linked from nowhere. The replica's
  "missing slash" 301 (``/xxgk`` -> ``/xxgk/``) is what nginx and http.server do by themselves;
- the WAF, injected failures (``set_waf``, ``fail_next``) and any later mutation: the build is
  a snapshot, rebuild it after mutating the site;
- ETag, Last-Modified and 304 answers: the web server makes its own from the files.
  Content-Type comes from the server too (nginx sends ``text/html`` with no charset unless
  told; the pages declare theirs in ``<meta>``, the gb2312 one included, as on the replica).

``base_url`` is the address the folder will be served at. The replica renders no absolute
link to itself: its pages link root-relative or relative, and its own address appears only in
redirect Locations (built from the request's Host header). So the pages are written as they
are, and ``base_url`` makes the Locations of ``counts["redirects"]``; ``build_static``
checks that no page contains the address of a replica server instead.

``python -m scraper.replica.static FOLDER [--docs N] [--base-url URL]`` builds from the
command line.
"""

from __future__ import annotations

import argparse
import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from scraper.replica.site import ReplicaSite

__all__ = ["build_static", "nginx_locations", "main"]

# href="…" / src="…" values, to find the pages the replica links to beyond those it lists.
_LINK_RE = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'#]+)["']""", re.I)


def build_static(site: ReplicaSite, folder: Path, base_url: str) -> dict[str, Any]:
    """Write everything ``site`` serves (see the module's docstring) into ``folder`` (created
    if need be; it must be empty) for a web server serving it at ``base_url``.

    Returns ``{"documents", "pages", "files", "other", "bytes", "redirects"}``: documents of the
    site (live ones, as in ``site.expected_documents()``), HTML files written, attachment and image files
    written, other files (robots.txt), bytes written in all, and the redirects (path ->
    Location) a server should answer 301 for.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
    base = f"{parts.scheme}://{parts.netloc}"
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, Any] = {"documents": 0, "pages": 0, "files": 0, "other": 0, "bytes": 0}
    with site._lock, _Writer() as writer:
        # not len(site.expected_documents()): that is quadratic in the number of documents
        counts["documents"] = sum(1 for d in site._docs.values() if not d.deleted)
        redirects = {
            path: (base + loc if loc.startswith("/") else loc)
            for path, loc in site._redirects.items()
        }
        document_parts = set(site._pages)
        seen: set[str] = set()
        written: set[Path] = set()
        queue = _known_paths(site)
        while queue:
            path = queue.pop()
            if path in seen or path in redirects:
                continue
            seen.add(path)
            rendered = site._render(path)
            if rendered is None:
                continue  # a dead link: the server's own 404
            body, ctype = rendered
            target = folder / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
            if target in written:
                continue  # /xxgk/ and /xxgk/index.html: one file
            written.add(target)
            writer.write(target, body)
            counts["bytes"] += len(body)
            if ctype.startswith("text/html"):
                counts["pages"] += 1
                _check_no_server_address(path, body)
                if path not in document_parts:
                    # A document's parts and files are in the data model already, and its
                    # other links are the furniture every list page has too.
                    queue.extend(_links(path, body, seen))
            elif path == "/robots.txt":
                counts["other"] += 1
            else:
                counts["files"] += 1
    counts["redirects"] = redirects
    return counts


class _Writer:
    """Writes files from a few threads: on a virtual disk each new file or folder can cost
    milliseconds of metadata work, which threads overlap (the GIL is released); at most
    ``window`` files wait."""

    def __init__(self, threads: int = 8, window: int = 256) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="replica-static")
        self._pending: deque[Future[None]] = deque()
        self._window = window

    def write(self, target: Path, body: bytes) -> None:
        self._pending.append(self._pool.submit(_write, target, body))
        while len(self._pending) > self._window:
            self._pending.popleft().result()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _write(target: Path, body: bytes) -> None:
    try:
        target.write_bytes(body)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def _known_paths(site: ReplicaSite) -> list[str]:
    """What the replica serves by its data model; the link walk finds the rest."""
    columns = site.columns()
    return [
        *site.attachment_paths(),
        *site._pages,
        *site.list_pages(),
        *columns,
        "/xxgk/",
        "/",
        "/robots.txt",
    ]


def _links(path: str, body: bytes, seen: set[str]) -> list[str]:
    out = []
    for href in {m.group(1).strip() for m in _LINK_RE.finditer(body)}:
        if href.startswith((b"http:", b"https:", b"//", b"javascript:", b"mailto:")):
            continue  # off-site (the replica never links to itself absolutely)
        split = urlsplit(urljoin(path, href.decode("utf-8", "replace")))
        if split.scheme or split.netloc or not split.path.startswith("/"):
            continue  # off-site, mailto:, javascript:
        target = unquote(split.path)
        if target not in seen:
            out.append(target)
    return out


_SERVER_ADDRESS = re.compile(rb"https?://(?:127\.0\.0\.1|localhost)[:/]")


def _check_no_server_address(path: str, body: bytes) -> None:
    if _SERVER_ADDRESS.search(body):
        raise ValueError(
            f"{path}: the replica rendered its server's address into the page; "
            "build_static must substitute base_url for it"
        )


def nginx_locations(redirects: dict[str, str]) -> str:
    """nginx ``location`` blocks answering the build's redirects with 301, for a server block."""
    lines = []
    for path, loc in sorted(redirects.items()):
        if any(c in path + loc for c in ' ;{}"\\'):
            raise ValueError(f"cannot write redirect {path} -> {loc} into nginx configuration")
        lines.append(f"location = {path} {{ return 301 {loc}; }}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m scraper.replica.static", description=__doc__.split("\n")[0]
    )
    ap.add_argument("folder", type=Path)
    ap.add_argument("--docs", type=int, default=0, help="about this many documents")
    ap.add_argument("--base-url", default="http://127.0.0.1:8080")
    args = ap.parse_args(argv)
    site = ReplicaSite.with_total_docs(args.docs) if args.docs else ReplicaSite()
    counts = build_static(site, args.folder, args.base_url)
    redirects = counts.pop("redirects")
    print(", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print("nginx server block, for the redirects:")
    print(nginx_locations(redirects), end="")


if __name__ == "__main__":
    main()
