"""Throughput of the registry's pages under gunicorn, as a share of the login page's (issue 7).

    .venv/bin/python bench/throughput.py [--seconds 10] [--slices 3] [--connections 4] [--reseed]
                                         [--gunicorn-args "--workers 4"] [--pages record,api_list_city,…]
                                         [--profile record,api_list_bureau [--profile-requests 200]]

Starts gunicorn with the project's ``gunicorn.conf.py`` and ``config.settings.production`` on a
free loopback port (``SECRET_KEY``, ``PII_HMAC_KEY`` made up for the run, ``ALLOWED_HOSTS``
127.0.0.1, ``DATABASE_URL``, ``REDIS_URL``, static files collected into ``var/throughput-static``),
requests carrying ``X-Forwarded-Proto: https`` as nginx would send it. The database is
``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/kgp_thru_bench``; the name gets
``_bench`` unless it has it), seeded with bench/registry.py's ``Dataset``: 30,000 kindergartens in
ten districts with townships, groups, levels, dated history, classes and supervisors, a bureau
user of district 1 and the city viewer. A database that already holds exactly that is kept
(migrated, not reseeded); ``--reseed`` rebuilds it. Redis is ``--redis-url`` (default
``redis://127.0.0.1:6379/13``): that Redis database belongs to the benchmark and is emptied at
the start, so no cache entry of another site or run is read.

Both users sign in through the login form (one session each). Then, page after page, a bounded
load: ``--connections`` client threads (http.client, keep-alive where the server keeps the
connection), each sending its next request when the previous answer is read, for ``--seconds``
cut into ``--slices`` slices, each after a slice of the login page (GET, signed out) of the same
length, so that a page and its reference see the same machine (2 cores, shared). Pages
(``PAGES``): the bureau and the city list (bench/registry.py's ``LIST_FILTERS``: nature, status,
search, sort, page 2), the city list as of 2025-03, a kindergarten's record page (bureau user),
the API list (``API_FILTERS``) as the bureau user and as the city viewer. A page's share is its
req/s over the login page's in the slices beside it. Each page is checked once (50 rows shown,
50 JSON results, the record's name) before its load; the first slice of each page follows a
2-second warm-up, the others half a second.

Figures (``name: value unit (target: …) OK|MISS``; exit 1 on a MISS, 2 when a service is missing):

* ``<page>_rps`` (informative; ``login_rps`` over all its slices), ``<page>_p50_ms``,
  ``<page>_p95_ms`` (client-side latency, informative), ``<page>_errors`` (anything but a 200, or a
  broken connection; target 0);
* ``<page>_share``: the page's req/s as a share of the login page's (lists and API ≥ 25 %,
  the record page ≥ 50 %);
* ``<page>_server_cpu_ms``: CPU time of the gunicorn workers and of the PostgreSQL backends per
  request (informative; steadier than req/s on a busy machine);
* ``gunicorn_pss_mb``, ``gunicorn_worker_rss_mb``: memory of gunicorn after the load (informative);
* ``load_client_cpu_pct``: the load client's own CPU during the busiest load, in % of one core
  (informative: the machine has 2 cores, and whatever the client eats the server lacks).

gunicorn and everything else this script starts are stopped when it ends, also on Ctrl+C or an
error. ``--gunicorn-args`` adds command-line options after ``-c gunicorn.conf.py`` (they win over
the file): that is how the worker settings in ``gunicorn.conf.py`` were chosen.

``--profile PAGES`` measures no load: it signs in, then calls the WSGI application in this process
(the production settings gunicorn runs, no socket) and prints each page's CPU time per request
and a cProfile of it (CPU time, not wall time, so a busy machine does not distort it).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)  # run as a script: don't let bench/*.py shadow top-level modules
sys.path.insert(0, str(_HERE.parent))

from bench._common import (  # noqa: E402
    REPO_ROOT,
    Report,
    analyze,
    bench_database_url,
    log,
    recreate_database,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kgp_thru_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
HOST = "127.0.0.1"
WARMUP_S = 2.0  # before a page's first slice: connections opened, per-process caches filled
SLICE_WARMUP_S = 0.5  # before the next slices
START_TIMEOUT_S = 60
LIST_SHARE_TARGET = 25.0  # % of the login page's req/s
RECORD_SHARE_TARGET = 50.0
SETTINGS = "config.settings.production"


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # "anonymous", "bureau" or "city"
    target: float | None  # share of the login page's req/s, in %; None for the login page itself
    kind: str  # "login", "list", "record", "api"
    as_of: bool = False


PAGES = (
    Page("login", "anonymous", None, "login"),
    Page("bureau_list", "bureau", LIST_SHARE_TARGET, "list"),
    Page("city_list", "city", LIST_SHARE_TARGET, "list"),
    Page("city_list_asof", "city", LIST_SHARE_TARGET, "list", as_of=True),
    Page("record", "bureau", RECORD_SHARE_TARGET, "record"),
    Page("api_list_bureau", "bureau", LIST_SHARE_TARGET, "api"),
    Page("api_list_city", "city", LIST_SHARE_TARGET, "api"),
)


# --- the database --------------------------------------------------------------------------------


def database_url() -> tuple[str, str]:
    return bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def database_exists(url: str, name: str) -> bool:
    import psycopg2

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
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cur.fetchone() is not None
    finally:
        conn.close()


def prepare_database(env: dict[str, str], *, reseed: bool) -> dict:
    """Migrate (and seed unless it holds the dataset already). Returns the users' names and the record's id."""
    from bench.registry import PASSWORD, TOTAL, Dataset

    url, name = env["DATABASE_URL"], urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    if reseed or not database_exists(url, name):
        log(f"creating database {name}")
        recreate_database(url, name)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.perf_counter() - started:.1f} s")

    from accounts.models import User
    from kindergartens.models import Kindergarten

    bureau = User.objects.filter(username="bench_bureau").first()
    city = User.objects.filter(username="bench_city").first()
    count = Kindergarten.objects.count()
    if bureau is None or city is None or count != TOTAL:
        if count or bureau or city:  # another size or a half-built run: start again
            connection.close()
            log(f"database {name} holds {count:,} kindergartens, not {TOTAL:,}: rebuilding it")
            recreate_database(url, name)
            call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        data = Dataset()
        data.build_geography()
        data.add_users()
        data.grow(TOTAL)  # vacuums and analyses
        log(f"seeded {TOTAL:,} kindergartens in {time.perf_counter() - started:.0f} s")
        bureau, city = data.bureau_user, data.city_user
    else:
        log(f"database {name} already holds {TOTAL:,} kindergartens: kept (--reseed rebuilds it)")
        analyze()
    # The record page: one of the bureau user's district, with classes, history and a supervisor.
    record = (
        Kindergarten.objects.filter(district_id=bureau.bureau_id, supervisor_assignments__ended_at__isnull=True)
        .order_by("pk")
        .values("pk", "name")
        .first()
    )
    connection.close()
    return {"password": PASSWORD, "bureau": bureau.username, "city": city.username, "record": record}


def page_paths(record_pk: int) -> dict[str, str]:
    from django.urls import reverse

    from bench.registry import API_FILTERS, AS_OF, LIST_FILTERS

    return {
        "login": reverse("accounts:login"),
        "bureau_list": f"{reverse('kindergartens:list')}?{urlencode(LIST_FILTERS)}",
        "city_list": f"{reverse('kindergartens:list')}?{urlencode(LIST_FILTERS)}",
        "city_list_asof": f"{reverse('kindergartens:list')}?{urlencode({**LIST_FILTERS, 'as_of': AS_OF})}",
        "record": reverse("kindergartens:detail", kwargs={"pk": record_pk}),
        "api_list_bureau": f"{reverse('api:kindergarten-list')}?{urlencode(API_FILTERS)}",
        "api_list_city": f"{reverse('api:kindergarten-list')}?{urlencode(API_FILTERS)}",
    }


# --- the services ----------------------------------------------------------------------------------


def redis_flush(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as exc:
        print(f"bench: cannot use Redis at {url}: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def collectstatic(env: dict[str, str]) -> None:
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(REPO_ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=REPO_ROOT,
        check=True,
    )
    log(f"collectstatic in {time.perf_counter() - started:.1f} s")


class Gunicorn:
    """gunicorn in its own session (Ctrl+C reaches only this script), stopped with its workers."""

    def __init__(self, env: dict[str, str], port: int, extra: list[str], log_path: Path) -> None:
        self.port = port
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.command = [str(gunicorn), "-c", str(REPO_ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{port}", *extra]
        self.log_path = log_path
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log(f"starting {' '.join(self.command[1:])}")
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own gunicorn
                self.command, env=self.env, cwd=REPO_ROOT, stdout=out, stderr=out, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
                if conn.getresponse().status == 200:
                    conn.close()
                    log(f"gunicorn answers on {HOST}:{self.port} (workers: {len(self.worker_pids())})")
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"bench: gunicorn did not answer within {START_TIMEOUT_S} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return children_of(self.proc.pid)

    def memory_mb(self) -> tuple[float, float]:
        """(PSS of the master and its workers together, the largest worker's RSS), in MB."""
        pss, rss = 0.0, 0.0
        pids = [self.proc.pid, *self.worker_pids()] if self.proc else []
        for pid in pids:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if ":" in line}
            pss += fields.get("Pss", 0) / 1024
            if pid != self.proc.pid:
                rss = max(rss, fields.get("Rss", 0) / 1024)
        return pss, rss

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        log("stopping gunicorn")
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """utime + stime of each process still alive."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    return out


def postgres_backends(url: str) -> list[int]:
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres", user=parts.username or None, host=parts.hostname or None, port=parts.port or None
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [parts.path.lstrip("/")])
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


# --- the client ----------------------------------------------------------------------------------


class Client:
    """One keep-alive connection (http.client reconnects when the server closed it)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies = dict(cookies or {})

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, body: bytes | None = None, extra: dict[str, str] | None = None):
        try:
            self.conn.request(method, path, body=body, headers=self.headers(extra))
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def close(self) -> None:
        self.conn.close()


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """Cookies of a session signed in through the login form."""
    client = Client(port)
    status, _headers, body = client.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not match:
        raise SystemExit(f"bench: the login page answered {status} without a CSRF token")
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode()})
    status, headers, _body = client.request(
        "POST",
        "/accounts/login/",
        body=form.encode(),
        extra={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{HOST}:{port}/accounts/login/",
        },
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"bench: signing in as {username} answered {status}, not a redirect with a session")
    client.close()
    return {k: v for k, v in client.cookies.items() if k in ("sessionid", "csrftoken")}


def check_page(page: Page, port: int, path: str, cookies: dict[str, str], record_name: str) -> str:
    """Why the page is not what the load should measure, or ''."""
    client = Client(port, cookies)
    try:
        status, _headers, body = client.request("GET", path)
    finally:
        client.close()
    if status != 200:
        return f"GET {path} answered {status}"
    text = body.decode()
    if page.kind == "list":
        rows = len(re.findall(r'href="/kindergartens/\d+/"', text.split('data-testid="kindergarten-list"', 1)[-1]))
        if rows != 50:
            return f"GET {path} shows {rows} rows, not 50"
    elif page.kind == "api":
        import json

        results = json.loads(text).get("results", [])
        if len(results) != 50:
            return f"GET {path} returned {len(results)} results, not 50"
    elif page.kind == "record":
        if record_name not in text:
            return f"GET {path} does not show {record_name}"
    elif 'name="csrfmiddlewaretoken"' not in text:
        return f"GET {path} shows no login form"
    return ""


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    error_sample: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[max(1, -(-p * len(ordered) // 100)) - 1]


def run_load(
    port: int, path: str, cookies: dict[str, str], *, connections: int, seconds: float, warmup: float, pids
) -> LoadResult:
    """``connections`` closed-loop clients for ``warmup`` seconds (not counted), then ``seconds`` (counted)."""
    stop = threading.Event()
    counting = threading.Event()
    per_thread: list[LoadResult] = [LoadResult() for _ in range(connections)]

    def worker(result: LoadResult) -> None:
        client = Client(port, cookies)
        perf = time.perf_counter
        try:
            while not stop.is_set():
                started = perf()
                try:
                    status, _headers, _body = client.request("GET", path)
                    ok = status == 200
                    why = f"{status}"
                except (http.client.HTTPException, OSError) as exc:
                    ok, why = False, f"{type(exc).__name__}: {exc}"
                    client = Client(port, cookies)
                if counting.is_set() and not stop.is_set():
                    result.requests += 1
                    result.latencies_ms.append((perf() - started) * 1000)
                    if not ok:
                        result.errors += 1
                        result.error_sample = result.error_sample or why
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(r,), daemon=True) for r in per_thread]
    for thread in threads:
        thread.start()
    try:
        time.sleep(warmup)
        server_pids = pids()
        server_before = cpu_seconds(server_pids)
        cpu_before = time.process_time()
        began = time.perf_counter()
        counting.set()
        time.sleep(seconds)
        stop.set()
        elapsed = time.perf_counter() - began
        cpu_used = time.process_time() - cpu_before
        server_after = cpu_seconds(server_pids)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
    total = LoadResult(seconds=elapsed, client_cpu_s=cpu_used)
    total.server_cpu_s = sum(server_after[p] - server_before[p] for p in server_after if p in server_before)
    for r in per_thread:
        total.requests += r.requests
        total.errors += r.errors
        total.latencies_ms += r.latencies_ms
        total.error_sample = total.error_sample or r.error_sample
    return total


# --- profile -------------------------------------------------------------------------------------


def profile_in_process(prepared: dict, paths: dict[str, str], names: list[str], requests: int) -> None:
    """cProfile of ``requests`` GETs of each page through the WSGI application in this process, with
    the production settings gunicorn runs (no socket, no load client): where a request's time goes."""
    import cProfile
    import io
    import pstats
    import warnings

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    from django.core.wsgi import get_wsgi_application
    from django.test import Client as TestClient

    application = get_wsgi_application()
    cookies: dict[str, dict[str, str]] = {"anonymous": {}}
    for who in ("bureau", "city"):
        client = TestClient(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST=HOST)
        response = client.post(
            "/accounts/login/", {"username": prepared[who], "password": prepared["password"]}, secure=True
        )
        if response.status_code != 302:
            raise SystemExit(f"bench: signing in as {prepared[who]} answered {response.status_code}")
        cookies[who] = {"sessionid": client.cookies["sessionid"].value}

    def get(page: Page) -> None:
        path, _, query = paths[page.name].partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": HOST,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": HOST,
            "HTTP_X_FORWARDED_PROTO": "https",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies[page.who].items()),
            "REMOTE_ADDR": HOST,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status = []
        body = application(environ, lambda s, h, exc_info=None: status.append(s))
        b"".join(body)
        body.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"bench: GET {paths[page.name]} answered {status[0]}")

    for page in PAGES:
        if page.name not in names:
            continue
        for _ in range(20):
            get(page)
        started = time.process_time()
        for _ in range(requests):
            get(page)
        unprofiled = (time.process_time() - started) / requests * 1000
        started = time.process_time()
        # CPU time, not wall time: on a busy machine, waiting for a core is not the code's cost.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(requests):
            get(page)
        profiler.disable()
        per_request = (time.process_time() - started) / requests * 1000
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        log(
            f"cProfile of {requests} GETs of {page.name}: {unprofiled:.2f} ms of CPU each in this process "
            f"({per_request:.2f} ms under the profiler):"
        )
        print(out.getvalue(), file=sys.stderr)


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="counted seconds of load per page (default 10)")
    parser.add_argument(
        "--slices",
        type=int,
        default=3,
        help="each page's seconds are cut into this many slices, each after a slice of the login page",
    )
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections (default 4)")
    parser.add_argument("--reseed", action="store_true", help="rebuild the database even if it holds the dataset")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"emptied at start (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--gunicorn-args", default="", help="extra gunicorn options, e.g. '--workers 4 --preload'")
    parser.add_argument(
        "--pages", default="", help="comma-separated page names (default: all); login is always measured"
    )
    parser.add_argument(
        "--profile",
        default="",
        help="comma-separated page names: cProfile them in this process (no gunicorn, no load) and stop",
    )
    parser.add_argument("--profile-requests", type=int, default=200, help="requests profiled per page (default 200)")
    args = parser.parse_args(argv)
    wanted = {p for p in args.pages.split(",") if p}
    unknown = wanted - {p.name for p in PAGES}
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")

    url, _name = database_url()
    var_dir = Path(os.environ.get("VAR_DIR") or REPO_ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PII_HMAC_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "throughput-static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("GUNICORN_CMD_ARGS", None)  # only what this script passes
    redis_flush(args.redis_url)
    began = time.perf_counter()
    prepared = prepare_database(env, reseed=args.reseed)
    paths = page_paths(prepared["record"]["pk"])
    collectstatic(env)
    if args.profile:
        profile_in_process(prepared, paths, args.profile.split(","), args.profile_requests)
        return 0

    report = Report()
    log_path = var_dir / "throughput-gunicorn.log"
    server = Gunicorn(env, free_port(), shlex.split(args.gunicorn_args), log_path)
    interrupted = False

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    old_handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        server.start()
        cookies = {
            "anonymous": {},
            "bureau": sign_in(server.port, prepared["bureau"], prepared["password"]),
            "city": sign_in(server.port, prepared["city"], prepared["password"]),
        }

        def pids() -> list[int]:
            return server.worker_pids() + postgres_backends(url)

        pages = [p for p in PAGES if not wanted or p.name in wanted or p.kind == "login"]
        login = PAGES[0]
        if check_page(login, server.port, paths["login"], {}, ""):
            raise SystemExit("bench: the login page shows no login form")
        login_runs: list[LoadResult] = []
        near_login: dict[str, LoadResult] = {}
        results: dict[str, LoadResult] = {}
        reasons: dict[str, str] = {}

        def load(page: Page, seconds: float, *, first: bool) -> LoadResult:
            return run_load(
                server.port,
                paths[page.name],
                cookies[page.who],
                connections=args.connections,
                seconds=seconds,
                warmup=WARMUP_S if first else SLICE_WARMUP_S,
                pids=pids,
            )

        for page in pages:
            if page.kind == "login":
                continue
            why = check_page(page, server.port, paths[page.name], cookies[page.who], prepared["record"]["name"])
            if why:
                reasons[page.name] = why
                log(f"{page.name}: {why}")
                continue
            # Interleaved with the login page, so both see the same machine (others' load comes and goes).
            page_runs, logins = [], []
            for _ in range(args.slices):
                logins.append(load(login, args.seconds / args.slices, first=not login_runs and not logins))
                page_runs.append(load(page, args.seconds / args.slices, first=not page_runs))
            results[page.name], near_login[page.name] = _merged(page_runs), _merged(logins)
            login_runs += logins
            r, lr = results[page.name], near_login[page.name]
            log(
                f"{page.name}: {r.rps:.1f} req/s ({r.requests} requests, {r.errors} errors), login page beside it "
                f"{lr.rps:.1f} req/s; client CPU {r.client_cpu_s / r.seconds * 100:.0f} % / "
                f"{lr.client_cpu_s / lr.seconds * 100:.0f} % of a core"
            )
        if not login_runs:  # only the login page asked for
            login_runs.append(load(login, args.seconds, first=True))
        results["login"] = _merged(login_runs)
        memory = server.memory_mb()
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted")
        return 130
    finally:
        server.stop()
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
        if not interrupted:
            log(f"gunicorn's log: {log_path}")

    busiest = max(r.client_cpu_s / r.seconds * 100 for r in login_runs)
    for page in pages:
        r = results.get(page.name)
        if r is None:
            target = f"≥ {page.target:g} %" if page.target else "200, 0 errors"
            report.na(f"{page.name}_share", reasons.get(page.name, "not measured"), target)
            continue
        report.figure(f"{page.name}_rps", r.rps, "req/s", "informative", True)
        report.figure(f"{page.name}_p50_ms", r.percentile(50), "ms", "informative", True)
        report.figure(f"{page.name}_p95_ms", r.percentile(95), "ms", "informative", True)
        per_request = r.server_cpu_s / r.requests * 1000 if r.requests else float("nan")
        report.figure(f"{page.name}_server_cpu_ms", per_request, "ms", "informative", True)
        report.figure(f"{page.name}_errors", r.errors, "errors", "0", r.errors == 0)
        if r.errors:
            log(f"{page.name}: first error {r.error_sample}")
        if page.target is not None:
            beside = near_login[page.name].rps
            share = r.rps / beside * 100 if beside else 0.0
            report.figure(f"{page.name}_share", share, "%", f"≥ {page.target:g} %", share >= page.target)
    report.figure(
        "gunicorn_pss_mb", memory[0], "MB", "informative: master and workers, shared pages counted once", True
    )
    report.figure("gunicorn_worker_rss_mb", memory[1], "MB", "informative: the largest worker", True)
    report.figure("load_client_cpu_pct", busiest, "% of a core", "informative", True)
    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


def _merged(runs: list[LoadResult]) -> LoadResult:
    merged = LoadResult()
    for r in runs:
        merged.requests += r.requests
        merged.errors += r.errors
        merged.seconds += r.seconds
        merged.latencies_ms += r.latencies_ms
        merged.client_cpu_s += r.client_cpu_s
        merged.server_cpu_s += r.server_cpu_s
        merged.error_sample = merged.error_sample or r.error_sample
    return merged


if __name__ == "__main__":
    raise SystemExit(main())
