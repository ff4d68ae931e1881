"""Blueprints of later features (cases, SPMI, ...) register here, keeping create_app() unchanged."""


def register(app) -> None:
    """Register feature blueprints on the app."""
    from web.notifications.views import bp as notifications_bp
    from web.notifications.views import unread_count_processor

    app.register_blueprint(notifications_bp)
    from web.spme.views import bp as spme_bp
    from web.spmi.views import bp as spmi_bp

    app.register_blueprint(spmi_bp)
    app.register_blueprint(spme_bp)
    app.context_processor(unread_count_processor)
