"""The request's database session: write requests (POST...) get a write session (BEGIN IMMEDIATE on
SQLite). The session is committed after a successful response and rolled back otherwise."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from spmp.db import Database

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def database() -> Database:
    return current_app.extensions["spmp_db"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = database().session(write=request.method not in SAFE_METHODS)
    return g.db_session


def discard_changes() -> None:
    """Roll back what the request wrote so far: an operation that was refused must leave nothing behind,
    even when the answer is a redirect (which would otherwise commit the request's session)."""
    get_session().rollback()


def init_app(app) -> None:
    @app.after_request
    def _commit(response):
        session = g.pop("db_session", None)
        if session is not None:
            try:
                # Commit only when the request succeeded: a 4xx/5xx answer must leave nothing half-written.
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _cleanup(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
