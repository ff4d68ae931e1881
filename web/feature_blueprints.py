"""Blueprints of later features (cases, SPMI, ...) register here, keeping create_app() unchanged."""


def register(app) -> None:
    """Register feature blueprints on the app."""
