"""`aisle chat` (terminal) and `aisle serve` (the web app)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import ensure_default_index, err, out, services


def chat(
    index_name: Annotated[str | None, typer.Option("--index", help="Catalog index (default: demo).")] = None,
    session: Annotated[str | None, typer.Option(help="Session id, to continue a conversation's cart.")] = None,
    script: Annotated[Path | None, typer.Option(help="Read shopper turns from this file (one per line).")] = None,
    show_tools: Annotated[bool, typer.Option(help="Print tool calls.")] = True,
) -> None:
    """Talk to the assistant in the terminal (type 'quit' to leave)."""
    from assistant.events import Done, Replaced, Token, ToolCalled
    from assistant.session import ShopSession

    svc = services()
    name = index_name or svc.settings.index_name
    ensure_default_index(svc, name)
    agent = svc.agent()
    shop = ShopSession(svc.store, index=name) if session is None else ShopSession.resume(svc.store, session, name)
    lines = script.read_text().splitlines() if script else None
    while True:
        if lines is not None:
            if not lines:
                break
            text = lines.pop(0)
            out.print(f"[bold cyan]you>[/] {text}")
        else:
            try:
                text = input("you> ")
            except EOFError:
                break
        if text.strip().lower() in {"quit", "exit"}:
            break
        out.print("[bold green]aisle>[/] ", end="")
        streamed = False
        for event in agent.stream_turn(shop, text):
            if isinstance(event, ToolCalled) and show_tools:
                out.print(f"\n  [dim]tool {event.name} {json.dumps(event.args)}[/]", highlight=False)
            elif isinstance(event, Token):
                out.print(event.text, end="", highlight=False, markup=False)
                streamed = True
            elif isinstance(event, Replaced):
                out.print("\n  [dim](reply replaced by the catalog template: a fact was not in the results)[/]")
                streamed = False
            elif isinstance(event, Done):
                result = event.result
                if not streamed:
                    out.print(f"\n{result.reply}", highlight=False, markup=False)
                else:
                    out.print()
                if result.comparison:
                    for row in result.comparison.rows:
                        out.print(f"   {row.label}: " + " | ".join(row.values), highlight=False, markup=False)
                for c in result.cards:
                    out.print(f"   [{c.position or '-'}] {c.title} | {c.display_price} | "
                              f"{c.rating or '-'} stars | {c.stock}", highlight=False, markup=False)
                cart = shop.store.cart(shop.session_id)
                if cart:
                    out.print("   cart: " + "; ".join(f"{x.quantity} x {x.title}" for x in cart), highlight=False,
                              markup=False)
                out.print(f"   [dim]{result.timings.get('total_s', 0):.1f} s[/]")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    index_name: Annotated[str | None, typer.Option("--index", help="Catalog index (default: demo).")] = None,
) -> None:
    """The web app: shopper chat at /, staff copilot at /copilot."""
    import time

    import uvicorn

    from app.server import create_app
    from app.services import services_for

    started = time.perf_counter()
    svc = services()
    if index_name:
        svc = services_for(svc.settings.model_copy(update={"index_name": index_name}))
    ensure_default_index(svc, svc.settings.index_name)
    application = create_app(svc, log=lambda m: err.print(m, markup=False, highlight=False))
    err.print(f"[green]Aisle is ready[/] on http://{host}:{port}/ (copilot: /copilot) "
              f"after {time.perf_counter() - started:.1f}s")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def serve_model(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    name: Annotated[str, typer.Option(help="Model name the API lists and answers to.")] = "aisle-agent",
    adapter: Annotated[bool, typer.Option(help="Serve the shipped LoRA adapter (else the base model).")] = True,
) -> None:
    """The local model runtime as an OpenAI-compatible server (/v1/chat/completions with tools), for web
    workers started with AISLE_LLM_BACKEND=openai AISLE_LLM_BASE_URL=http://HOST:PORT/v1 AISLE_LLM_MODEL=NAME."""
    import uvicorn

    from app.model_server import ModelServer, create_model_app

    svc = services()
    if svc.settings.llm_backend != "local":
        err.print("[red]serve-model serves the local runtime; unset AISLE_LLM_BACKEND[/]")
        raise typer.Exit(2)
    application = create_model_app(ModelServer(svc.chat_model(adapter), name))
    err.print(f"[green]Aisle model server[/] {name!r} on http://{host}:{port}/v1")
    uvicorn.run(application, host=host, port=port, log_level="warning")
