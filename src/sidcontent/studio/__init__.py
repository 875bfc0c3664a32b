"""The studio: HTML pages for marketers and editors at /studio.

A second face over the same services as ``api/``: content editing and
workflow (``content.editing``), roles (``api.auth.check_role``), live
counters (the social exporter itself, in the export sandbox) and exports
(``Exports``). It holds no business rule of its own.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from sidcontent.studio import campaigns, counting, editor, export_panel, signin, web
    from sidcontent.studio.blueprint import bp

    del campaigns, counting, editor, export_panel, signin  # imported for their routes
    if not getattr(bp, "_sid_ready", False):
        web.init(bp)
        bp._sid_ready = True  # type: ignore[attr-defined]
    app.register_blueprint(bp)
