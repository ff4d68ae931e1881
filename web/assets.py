"""Light pages on slow links: content-hashed static URLs cached for a year, and gzip for text responses.

``url_for('static', filename='app.css')`` becomes ``/static/app.css?v=<hash of the file's bytes>``, so a
browser keeps the file until it changes (``immutable``) and a changed file gets a new URL at once.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path

from flask import Flask, current_app, request

ONE_YEAR = 365 * 24 * 3600
MIN_COMPRESS_BYTES = 512
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


@functools.lru_cache(maxsize=256)
def _hash_of(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_hash(app: Flask, filename: str) -> str | None:
    """Short sha256 of a static file's content (recomputed only when the file changes), or None."""
    path = Path(app.static_folder or "", filename)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash_of(str(path), stat.st_mtime_ns, stat.st_size)


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        digest = static_hash(current_app, values["filename"])
        if digest:
            values["v"] = digest


@functools.lru_cache(maxsize=64)
def _gzip_static(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


def _cache_static(response):
    if request.endpoint != "static" or response.status_code != 200:
        return response
    filename = (request.view_args or {}).get("filename", "")
    if request.args.get("v") and request.args.get("v") == static_hash(current_app, filename):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:  # an unversioned or outdated URL: usable, but always revalidated
        response.headers["Cache-Control"] = "no-cache"
    return response


def _compress(response):
    """gzip a text response when the browser accepts it; streamed downloads (exports) pass untouched."""
    mimetype = response.mimetype or ""
    if (
        response.status_code in (204, 206, 304)
        or response.status_code < 200
        or "Content-Encoding" in response.headers
        or not mimetype.startswith(COMPRESSIBLE)
        or "gzip" not in request.accept_encodings
    ):
        return response
    response.vary.add("Accept-Encoding")
    is_static = request.endpoint == "static"
    if response.is_streamed and not is_static:
        return response
    source = response.response
    if is_static:
        response.direct_passthrough = False  # send_file's file wrapper: read it (static files are small)
    body = response.get_data()
    if is_static and hasattr(source, "close"):
        source.close()  # the file was read into memory; its wrapper is no longer the response body
    if len(body) < MIN_COMPRESS_BYTES:
        return response
    compressed = _gzip_static(body) if is_static else gzip.compress(body, compresslevel=6)
    response.set_data(compressed)
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag:  # a different representation needs a different validator
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    # after_request functions run in reverse order of registration: compression last, after the headers.
    app.after_request(_compress)
    app.after_request(_cache_static)
