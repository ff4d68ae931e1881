"""Light pages: hashed static URLs with a year of immutable caching, gzip for text, mobile-first layout."""

from __future__ import annotations

import gzip
import re

from tests.web.conftest import login


def _css_url(html: str) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)


def test_static_urls_carry_the_content_hash_and_are_immutable(client, app):
    html = client.get("/login").get_data(as_text=True)
    url = _css_url(html)
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", url), url
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # An old or missing hash still serves the file, but is revalidated instead of cached for a year.
    with client.get("/static/app.css?v=000000000000") as stale:
        assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"


def test_hash_changes_when_the_file_changes(app, tmp_path):
    from web import assets

    (tmp_path / "x.css").write_text("a{}")
    app.static_folder = str(tmp_path)
    first = assets.static_hash(app, "x.css")
    (tmp_path / "x.css").write_text("a{color:red}")
    assert assets.static_hash(app, "x.css") != first
    assert assets.static_hash(app, "missing.css") is None


def test_text_responses_are_gzipped_when_accepted(client, world):
    login(client, world["users"]["widyaprada"])
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    unpacked = gzip.decompress(packed.data)
    assert unpacked.startswith(b"<!doctype html>") and b"Pekerjaan saya" in unpacked
    assert len(packed.data) < len(unpacked) / 2
    css_url = _css_url(plain.get_data(as_text=True))
    css = client.get(css_url, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert b"min-width: 960px" in gzip.decompress(css.data)


def test_every_page_has_the_collapsing_menu(client, world):
    login(client, world["users"]["school_operator"])
    html = client.get("/").get_data(as_text=True)
    assert 'id="nav-toggle"' in html and '<label for="nav-toggle"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
