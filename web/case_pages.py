"""Where a case is best read: the page of the feature that owns its type (a Revitalisasi proposal's page)
when the feature registered one, else the generic case page. A page linking to "the case this serves"
(the Widyaprada task page) uses ``case_page_url(case)`` in its template."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, url_for
from sqlalchemy.orm import Session

from web.db import get_session

# type_key -> the URL of its feature's page for a case id (None: no such page, use the case page).
CasePage = Callable[[Session, int], "str | None"]
PAGES: dict[str, CasePage] = {}


def case_page(type_key: str) -> Callable[[CasePage], CasePage]:
    """Register the feature page of cases of ``type_key``."""

    def register(fn: CasePage) -> CasePage:
        PAGES[type_key] = fn
        return fn

    return register


def case_page_url(case) -> str:
    """The feature's page of ``case`` (already known visible to the reader), else ``/kasus/<id>``."""
    page = PAGES.get(case.type_key)
    return (page(get_session(), case.id) if page else None) or url_for("cases.detail", case_id=case.id)


def init_app(app: Flask) -> None:
    app.add_template_global(case_page_url, "case_page_url")
