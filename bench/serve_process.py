"""Start `aisle serve` as a child process and wait until it answers (benchmarks and tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(port: int | None = None, env: dict[str, str] | None = None, log_path: Path | None = None,
                   start_timeout_s: float = 300) -> Iterator[str]:
    """Yield the base URL once /healthz answers; stop the server on exit."""
    with server_process(port, env, log_path, start_timeout_s) as (url, _):
        yield url


@contextmanager
def server_process(port: int | None = None, env: dict[str, str] | None = None, log_path: Path | None = None,
                   start_timeout_s: float = 300) -> Iterator[tuple[str, subprocess.Popen]]:
    """`aisle serve`: yield (base URL, process) once /healthz answers; stop it on exit (unless it was killed)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    with serving_process(command, url + "/healthz", env, log_path, start_timeout_s) as proc:
        yield url, proc


@contextmanager
def serving_process(command: list[str], health_url: str, env: dict[str, str] | None = None,
                    log_path: Path | None = None, start_timeout_s: float = 300) -> Iterator[subprocess.Popen]:
    """Any server process (aisle serve, aisle serve-model, chroma run): started, yielded once ``health_url``
    answers 200, terminated on exit (killed if it does not stop)."""
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + start_timeout_s
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    tail = log_path.read_text()[-4000:] if log_path else ""
                    raise RuntimeError(f"{command[-1] if command else 'server'}: {' '.join(command[:4])} did not "
                                       f"start (exit {proc.poll()}): {tail}") from None
                time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            log.close()
