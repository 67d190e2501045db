"""Where the process's logs go: the turn log as rotating JSON lines under the data folder.

The records themselves (redacted, one per turn) are written by ``assistant.turn_log.TurnLog``; this module only
attaches a file to its logger, once per file and process. Records also propagate to the root logger, so a shop
that configures logging (to journald, a collector) receives them too.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from assistant.turn_log import LOGGER_NAME

_attached: dict[Path, logging.Logger] = {}
_lock = threading.Lock()


def turn_logger(path: Path | None) -> logging.Logger:
    """The logger writing turn records to ``path`` (10 MB files, 5 kept); with no path, the plain turn logger."""
    base = logging.getLogger(LOGGER_NAME)
    base.setLevel(logging.INFO)
    if path is None:
        return base
    path = path.resolve()
    with _lock:
        if path not in _attached:
            path.parent.mkdir(parents=True, exist_ok=True)
            logger = base.getChild(hashlib.sha256(str(path).encode()).hexdigest()[:12])
            handler = RotatingFileHandler(path, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            _attached[path] = logger
        return _attached[path]
