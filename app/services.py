"""The composition root: one ``Services`` per configuration, built from ``Settings`` and passed down.

Library code (retrieval, assistant, finetune, ui) never looks a service up: it receives the index
registry, the store or the agent from here. Heavy parts (encoder, ranker, language model) load on
first use, once per process and configuration.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

from aisle.settings import Settings
from app.logs import turn_logger
from assistant.agent import ShoppingAgent, build_chat_model, writes_template_replies
from assistant.storage import Store
from assistant.turn_log import TurnLog
from retrieval.indexes import Indexes


@dataclass
class Services:
    """What a running Aisle holds: its settings, the indexes it searches, its store and its agent(s)."""

    settings: Settings
    _agents: dict[bool, ShoppingAgent] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def indexes(self) -> Indexes:
        return Indexes(self.settings)

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.resolved_database_url)

    def agent(self, adapter: bool = True) -> ShoppingAgent:
        """The shopping agent (one loaded model); ``adapter=False`` serves the prompted base model."""
        with self._lock:
            if adapter not in self._agents:
                model, local = build_chat_model(self.settings, adapter=adapter)
                self._agents[adapter] = ShoppingAgent(
                    model, self.settings, self.indexes, local=local,
                    template_replies=writes_template_replies(self.settings, model, local),
                    turn_log=TurnLog(turn_logger(self.settings.turn_log_path)))
            return self._agents[adapter]

    def chat_model(self, adapter: bool = True):
        """The agent's loaded chat model (what `aisle serve-model` puts behind its API)."""
        return self.agent(adapter).model


_built: dict[str, Services] = {}
_built_lock = threading.Lock()


def services_for(settings: Settings) -> Services:
    """The process's services for this configuration (the same settings give the same, already loaded ones)."""
    key = settings.model_dump_json()
    with _built_lock:
        if key not in _built:
            _built[key] = Services(settings)
        return _built[key]


def current_services() -> Services:
    """Services for the configuration the environment describes now (``AISLE_*``, ``.env``)."""
    return services_for(Settings())
