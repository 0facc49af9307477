"""gunicorn.conf.py: what production runs (docs/operations.md), read the way gunicorn reads it."""

import gc
import runpy
from pathlib import Path

from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]


def load(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config, namespace


def test_the_settings_gunicorn_reads(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config, _ = load(monkeypatch)
    assert config.wsgi_app == "config.wsgi:application"
    assert config.worker_class_str == "sync"
    assert config.workers == 3
    assert config.timeout == 30
    assert config.preload_app
    assert config.bind == ["127.0.0.1:8000"]
    assert config.control_socket_disable
    assert callable(config.pre_fork) and callable(config.post_fork)


def test_web_concurrency_sets_the_workers(monkeypatch):
    config, _ = load(monkeypatch, WEB_CONCURRENCY="5")
    assert config.workers == 5


def test_the_master_forks_with_no_database_connection_and_a_frozen_heap(monkeypatch):
    from django.db import connections

    closed = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    _, namespace = load(monkeypatch)
    threshold = gc.get_threshold()
    try:
        namespace["pre_fork"](None, None)
        assert closed == [True]
        assert gc.get_freeze_count() > 0
        namespace["post_fork"](None, None)
        assert gc.get_threshold() == (7000, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
