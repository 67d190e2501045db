"""The `aisle` command line, one module per command group; every command gets its services from the app layer."""

from __future__ import annotations

import typer

from app.cli import catalog, chat, dialogues
from app.cli.common import EXIT_REJECTS, err
from app.cli.evaluate import eval_app
from app.cli.train import export_app, train_app

__all__ = ["EXIT_REJECTS", "app", "main"]

app = typer.Typer(help="Aisle: a conversational shopping assistant.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"aisle {version('aisle')}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print the installed version and exit.")) -> None:
    """Aisle: a conversational shopping assistant."""

app.command()(catalog.index)
app.command()(catalog.search)
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.add_typer(export_app, name="export")
app.command()(chat.chat)
app.command()(chat.serve)
app.command("serve-model")(chat.serve_model)
app.command("test-dialogues")(dialogues.test_dialogues)
app.command("simulate")(dialogues.simulate)


def main() -> None:
    """The `aisle` command: a missing or broken model artifact is one line naming its fix, not a traceback."""
    from assistant.runtime.gguf_export import ExportError

    try:
        app()
    except ExportError as exc:
        err.print(f"[red]{exc}[/]", highlight=False)
        raise SystemExit(1) from None
