"""Shared pieces of the benchmark scripts under ``bench/``.

House rules (every script follows them):

* run as ``.venv/bin/python bench/<name>.py`` from anywhere;
* PostgreSQL only: the database comes from ``DATABASE_URL`` (default
  ``postgres://postgres@127.0.0.1:5432/kgportal_bench``), but the script never touches that
  database itself: it drops and recreates a dedicated one whose name ends in ``_bench``
  (``kgportal`` → ``kgportal_bench``; a name that already ends in ``_bench`` is used as is);
* the script builds its own data;
* one line per figure on stdout, ``name: value unit (target: …) OK|MISS``; progress goes to
  stderr; the exit status is 1 when any figure missed its target.

Benchmarks are never timed unit tests.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kgportal_bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
BENCH_SUFFIX = "_bench"


def log(message: str) -> None:
    """Progress for the person watching; stdout is kept for the figures."""
    print(f"# {message}", file=sys.stderr, flush=True)


# --- database set-up ----------------------------------------------------------------------


def bench_database_url(url: str) -> tuple[str, str]:
    """``(url, db_name)`` of the dedicated benchmark database derived from ``url``.

    Exits with status 2 when ``url`` is not PostgreSQL: the figures mean nothing on SQLite.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in POSTGRES_SCHEMES:
        print(
            f"bench: refusing to run on {parts.scheme or 'an unknown database'!s}: benchmarks need PostgreSQL. "
            f"Set DATABASE_URL=postgres://user@host:port/name (default {DEFAULT_DATABASE_URL}).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    name = parts.path.lstrip("/") or "kgportal"
    if not name.endswith(BENCH_SUFFIX):
        name += BENCH_SUFFIX
    return urlunsplit(parts._replace(path="/" + name)), name


def recreate_database(url: str, name: str) -> None:
    """DROP and CREATE ``name`` through the ``postgres`` maintenance database."""
    import psycopg2
    from psycopg2 import sql

    if not name.endswith(BENCH_SUFFIX):  # belt and braces: never drop anything else
        raise SystemExit(f"bench: refusing to drop {name!r}: not a {BENCH_SUFFIX} database")
    parts = urlsplit(url)
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=parts.username or None,
            password=parts.password or None,
            host=parts.hostname or None,
            port=parts.port or None,
        )
    except psycopg2.OperationalError as exc:
        print(f"bench: cannot reach PostgreSQL at {parts.hostname}:{parts.port}: {exc}".strip(), file=sys.stderr)
        raise SystemExit(2) from exc
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            ident = sql.Identifier(name)
            if conn.server_version >= 130000:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            else:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
            cur.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(ident))
    finally:
        conn.close()


def setup_django(settings_module: str = "config.settings.test", *, migrate: bool = True) -> str:
    """Point Django at a fresh benchmark database, set it up and migrate. Returns the db name.

    Must run before anything imports models.
    """
    source = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    url, name = bench_database_url(source)
    log(f"recreating database {name}")
    recreate_database(url, name)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module

    import warnings

    import django

    # whitenoise warns when collectstatic has not been run; irrelevant to the figures.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()

    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":  # settings ignored DATABASE_URL
        print(f"bench: the configured database is {connection.vendor}, not PostgreSQL.", file=sys.stderr)
        raise SystemExit(2)
    # Django's test Client sends Host: testserver.
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if migrate:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        log(f"migrated in {time.perf_counter() - started:.1f} s")
    return name


def attach_django() -> None:
    """Set Django up in a child process on the database its parent built (``DATABASE_URL``), without
    recreating or migrating it (bench/export.py's worker and writer children)."""
    import warnings

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"bench: the configured database is {connection.vendor}, not PostgreSQL.", file=sys.stderr)
        raise SystemExit(2)
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def peak_rss_kb() -> int:
    """This process's peak resident set size in KB.

    ``VmHWM`` from /proc rather than ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the
    parent's peak over fork and exec into ``ru_maxrss``, so a child of this (large) script would
    report the parent's 100+ MB whatever it did. ``VmHWM`` belongs to the new address space.
    """
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def analyze() -> None:
    """Refresh planner statistics after seeding (autovacuum would come too late for the figures).

    Must run outside a transaction (autocommit, no ``atomic`` block)."""
    from django.db import connection

    with connection.cursor() as cur:
        # VACUUM too, so index-only scans see a visibility map as on a settled production table.
        cur.execute("VACUUM ANALYZE")


# --- timing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        # nearest-rank p95
        rank = max(1, -(-95 * len(ordered) // 100))
        return ordered[rank - 1]


def time_it(fn: Callable[[], object], *, runs: int = 30, warmups: int = 3) -> Timing:
    """Wall time of ``fn()`` in milliseconds over ``runs`` calls after ``warmups`` untimed ones."""
    for _ in range(warmups):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(samples)


# --- figures ------------------------------------------------------------------------------


@dataclass
class Report:
    """Prints ``name: value unit (target: …) OK|MISS`` lines and remembers the misses."""

    misses: list[str] = field(default_factory=list)
    values: dict[str, float] = field(default_factory=dict)

    def figure(self, name: str, value: float, unit: str, target: str, ok: bool) -> bool:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        self._line(name, f"{shown} {unit}", target, ok)
        self.values[name] = value
        return ok

    def below(self, name: str, value: float, unit: str, limit: float) -> bool:
        return self.figure(name, value, unit, f"< {limit:g} {unit}", value < limit)

    def na(self, name: str, reason: str, target: str) -> bool:
        reason = " ".join(reason.split())[:200]
        self._line(name, f"n/a (reason: {reason})", target, False)
        return False

    def _line(self, name: str, value: str, target: str, ok: bool) -> None:
        if not ok:
            self.misses.append(name)
        print(f"{name}: {value} (target: {target}) {'OK' if ok else 'MISS'}", flush=True)

    def exit_code(self) -> int:
        return 1 if self.misses else 0
