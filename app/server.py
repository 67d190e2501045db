"""`aisle serve`: one process, models loaded once, shopper at / and the copilot at /copilot."""

from __future__ import annotations

import time

from fastapi import FastAPI

from app.services import Services


def create_app(services: Services, log=print) -> FastAPI:
    import gradio as gr

    from ui.copilot import build_copilot
    from ui.sessions import SessionRegistry
    from ui.shopper import build_shopper

    settings = services.settings
    started = time.perf_counter()
    agent = services.agent()
    services.indexes.searcher(settings.index_name).search("warm up", k=1, method="full")  # encoder, ranker, stores
    log(f"models loaded in {time.perf_counter() - started:.1f}s")
    registry = SessionRegistry(services.store, settings.index_name, settings.ui_max_sessions)
    app = FastAPI(title="Aisle")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "index": settings.index_name}

    logins = settings.copilot_logins()
    if logins:
        copilot = build_copilot(agent, registry, settings.index_name, settings.turn_log_path).queue(
            default_concurrency_limit=settings.ui_concurrency)
        app = gr.mount_gradio_app(app, copilot, path="/copilot", auth=logins,
                                  auth_message="Aisle staff copilot: sign in")
        if settings.mode == "demo" and not settings.copilot_users:
            log("copilot login (demo mode default): staff / aisle-demo; set AISLE_COPILOT_USERS in production")
    else:
        log("copilot disabled: production mode needs AISLE_COPILOT_USERS='user:password'")
    shopper = build_shopper(agent, registry, settings.ui_secret)
    shopper = shopper.queue(default_concurrency_limit=settings.ui_concurrency)
    return gr.mount_gradio_app(app, shopper, path="")
