"""Blueprints of the features built on the engine (notifications, SPMI, SPME) register here, keeping
create_app() unchanged when a feature is added."""

from web.caseload.views import bp as caseload_bp
from web.digitalisasi.views import bp as digitalisasi_bp
from web.kendala.views import bp as kendala_bp
from web.notifications.views import bp as notifications_bp
from web.notifications.views import unread_count_processor
from web.revitalisasi.monitoring import bp as pemantauan_bp
from web.revitalisasi.recommendation import bp as rekomendasi_bp
from web.revitalisasi.views import bp as revitalisasi_bp
from web.seleksi.views import bp as seleksi_bp
from web.spme.views import bp as spme_bp
from web.spmi.views import bp as spmi_bp
from web.visits.views import bp as visits_bp
from web.widyaprada.views import bp as widyaprada_bp


def register(app) -> None:
    """Register feature blueprints (and the header's unread-count context processor) on the app."""
    for blueprint in (
        notifications_bp,
        spmi_bp,
        spme_bp,
        caseload_bp,
        visits_bp,
        widyaprada_bp,
        revitalisasi_bp,
        pemantauan_bp,
        rekomendasi_bp,
        seleksi_bp,
        kendala_bp,
        digitalisasi_bp,
    ):
        app.register_blueprint(blueprint)
    app.context_processor(unread_count_processor)
