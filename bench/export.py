"""Issue 7's figures: the export of 30,000 kindergartens and the check of a 3,000-row roster, both
as background jobs (core.jobs) — the web request that queues them, and the worker's run.

    .venv/bin/python bench/export.py [--compare-writers] [--no-libreoffice]

Builds, in its own PostgreSQL database (``DATABASE_URL``; the name gets ``_bench`` unless it has it,
see ``bench/_common.py``), ten districts of 3,000 kindergartens each with bench/registry.py's
``Dataset`` (townships, groups, levels, dated history, classes), a city viewer and a bureau user.

Figures (``name: value unit (target: …) OK|MISS``; exit 1 on a MISS):

* ``export_request_ms``: the list page's 导出 Excel (POST with the list's filters) as the city
  viewer, which saves the job and queues it (target < 1,000 ms). The broker is kombu's in-memory
  transport here, so the figure is the web process's own work.
* ``export_30000_s``: the real task (``core.tasks.run_job``) exporting all 30,000, run in a child
  process as the worker would (target < 15 s). ``export_30000_peak_rss_mb``: that process's peak
  resident set size (``VmHWM``, the whole process: Python, Django and the task; target < 200 MB);
  ``export_30000_rss_growth_mb``: the peak minus the process's size before the task (informative).
  The file must hold 30,000 data rows, the dropdowns and the 说明 sheet, and (unless
  ``--no-libreoffice``) ``export_opens_in_libreoffice`` converts it with
  ``soffice --headless --convert-to csv`` (target: converts, 30,001 lines).
* ``roster_upload_request_ms``: uploading a 3,000-row roster (every column filled) as the bureau
  user: the request checks the archive, stores the bytes and queues the check (target < 1,000 ms).
  ``roster_check_3000_s``: the worker's check of it in a child process (informative; the page
  shows its progress), which must end in a preview of 3,000 new kindergartens.

``--compare-writers`` also times openpyxl's write-only mode writing the same 30,000 rows (same
cells, no dropdowns) in a child process, with whatever lxml the interpreter has (run once with
and once without ``PYTHONPATH`` pointing at an lxml install to compare the two).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)  # run as a script: don't let bench/*.py shadow top-level modules
sys.path.insert(0, str(_HERE.parent))

from bench._common import Report, analyze, log, setup_django  # noqa: E402

EXPORT_TARGET_S = 15
MEMORY_TARGET_MB = 200
REQUEST_TARGET_MS = 1000
SOFFICE = "/usr/bin/soffice"


def _memory_broker() -> None:
    """Queue into kombu's in-memory transport: the request's own work is measured, nothing is left behind."""
    from config.celery import app

    app.conf.update(broker_url="memory://", result_backend=None, broker_transport_options={})


def build(report: Report):
    from bench.registry import DISTRICTS, KINDERGARTENS_PER_DISTRICT, Dataset

    started = time.perf_counter()
    data = Dataset()
    data.build_geography()
    data.add_users()
    for district in data.districts:
        data.add_kindergartens(district, KINDERGARTENS_PER_DISTRICT)
    analyze()
    log(f"built {DISTRICTS * KINDERGARTENS_PER_DISTRICT:,} kindergartens in {time.perf_counter() - started:.0f} s")
    return data


def run_child(job_id: int, *extra: str) -> dict:
    """Run ``core.tasks.run_job`` for ``job_id`` in a fresh process; its timing and memory as a dict."""
    child = subprocess.run(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, str(Path(__file__).resolve()), "--job-child", str(job_id), *extra],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        return {"error": f"the child exited with {child.returncode}"}
    return json.loads(child.stdout.strip().splitlines()[-1])


def job_child(job_id: int) -> int:
    """The worker's part: set Django up, then run the task function for one job."""
    from bench._common import attach_django, peak_rss_kb

    attach_django()
    import core.tasks
    import kindergartens.services.imports  # noqa: F401 - what a worker has loaded before its first task

    baseline = _current_rss_kb()
    started = time.perf_counter()
    core.tasks.run_job(job_id=job_id)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "peak_rss_kb": peak_rss_kb(), "baseline_rss_kb": baseline}))
    return 0


def _current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def writer_child(out_path: str) -> int:
    """openpyxl write-only, the same 30,000 rows and cells as the export (no dropdowns): for comparison."""
    from bench._common import attach_django

    attach_django()
    import openpyxl
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from kindergartens import excel
    from kindergartens.models import Kindergarten

    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(excel.SHEET_ROSTER)
    sheet.append([c.header for c in excel.COLUMNS] + ["所属区县"])
    converters = excel._export_converters()  # the same values as the export, cell by cell
    names = [name for name, _convert in converters] + ["district__name"]
    for values in Kindergarten.objects.values_list(*names).iterator(chunk_size=2000):
        row = []
        cells = [convert(value) for (_name, convert), value in zip(converters, values, strict=False)]
        for value in [*cells, values[-1]]:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                row.append(cell if value else None)
            elif hasattr(value, "isoformat"):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = excel.DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    workbook.save(out_path)
    print(json.dumps({"seconds": time.perf_counter() - started, "lxml": bool(openpyxl.LXML)}))
    return 0


def export_figures(report: Report, data, tmp: Path, *, libreoffice: bool) -> None:
    from django.urls import reverse
    from openpyxl import load_workbook

    from bench.registry import TOTAL, fresh, logged_in_client
    from core.models import Job
    from kindergartens import excel

    client = logged_in_client(fresh(data.city_user))
    client.get(reverse("kindergartens:list"))  # warm-up: sessions, content types
    started = time.perf_counter()
    response = client.post(reverse("kindergartens:export"))
    request_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        report.na("export_request_ms", f"POST export answered {response.status_code}", f"< {REQUEST_TARGET_MS} ms")
        return
    report.below("export_request_ms", request_ms, "ms", REQUEST_TARGET_MS)
    job = Job.objects.latest("pk")

    log(f"exporting {TOTAL:,} kindergartens in a child process (job {job.pk})")
    result = run_child(job.pk)
    job.refresh_from_db()
    target = f"< {EXPORT_TARGET_S} s"
    if "error" in result or job.state != Job.State.DONE:
        report.na("export_30000_s", result.get("error") or f"the job ended {job.state}: {job.error}", target)
        return
    path = tmp / "export.xlsx"
    with job.result_file.open("rb") as source, path.open("wb") as target_file:
        shutil.copyfileobj(source, target_file)
    workbook = load_workbook(path, read_only=True)
    try:
        rows = sum(1 for row in workbook[excel.SHEET_ROSTER].iter_rows(min_row=2, values_only=True) if any(row))
        sheets = workbook.sheetnames
    finally:
        workbook.close()
    log(f"the export holds {rows:,} data rows, sheets {sheets}, {path.stat().st_size / 1048576:.1f} MB")
    if rows != TOTAL or excel.SHEET_HELP not in sheets:
        report.na("export_30000_s", f"the file holds {rows} rows and sheets {sheets}", target)
        return
    report.below("export_30000_s", result["seconds"], "s", EXPORT_TARGET_S)
    peak_mb = result["peak_rss_kb"] / 1024
    report.below("export_30000_peak_rss_mb", peak_mb, "MB", MEMORY_TARGET_MB)
    growth = (result["peak_rss_kb"] - result["baseline_rss_kb"]) / 1024
    report.figure("export_30000_rss_growth_mb", growth, "MB", "informative", True)
    report.figure("export_30000_file_mb", path.stat().st_size / 1048576, "MB", "informative", True)
    if libreoffice:
        libreoffice_figure(report, path, tmp, expected_lines=TOTAL + 1)


def libreoffice_figure(report: Report, path: Path, tmp: Path, *, expected_lines: int) -> None:
    target = f"converts, {expected_lines} lines"
    if not os.access(SOFFICE, os.X_OK):
        report.na(
            "export_opens_in_libreoffice", f"{SOFFICE} not found (apt-get install libreoffice-calc-nogui)", target
        )
        return
    out = tmp / "csv"
    started = time.perf_counter()
    profile = tmp / "lo-profile"
    done = subprocess.run(  # noqa: S603 - a fixed program with our own arguments
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    csv_path = out / (path.stem + ".csv")
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not csv_path.exists():
        report.na("export_opens_in_libreoffice", f"soffice exited {done.returncode}: {done.stderr[-200:]}", target)
        return
    with csv_path.open(encoding="utf-8", errors="replace") as handle:
        lines = sum(1 for _ in handle)
    log(f"LibreOffice converted the export to CSV in {seconds:.1f} s: {lines:,} lines")
    report.figure("export_opens_in_libreoffice", lines, "lines", target, lines == expected_lines)


def import_figures(report: Report, data) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from bench.registry import ROSTER_ROWS, build_roster, fresh, logged_in_client, roster_rows
    from core.models import Job
    from kindergartens.excel import XLSX_CONTENT_TYPE
    from kindergartens.models import RosterImport

    roster = build_roster(roster_rows(data))
    log(f"built a {ROSTER_ROWS:,}-row roster ({len(roster) / 1024:.0f} KB)")
    client = logged_in_client(fresh(data.bureau_user))
    client.get(reverse("kindergartens:import"))  # warm-up
    upload = SimpleUploadedFile("名册.xlsx", roster, content_type=XLSX_CONTENT_TYPE)
    started = time.perf_counter()
    response = client.post(reverse("kindergartens:import"), {"file": upload})
    request_ms = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        report.na("roster_upload_request_ms", f"upload answered {response.status_code}", f"< {REQUEST_TARGET_MS} ms")
        return
    report.below("roster_upload_request_ms", request_ms, "ms", REQUEST_TARGET_MS)
    job = Job.objects.latest("pk")
    result = run_child(job.pk)
    job.refresh_from_db()
    if "error" in result or job.state != Job.State.DONE or not job.result.get("roster_import"):
        why = result.get("error") or f"the check ended {job.state}: {job.error or job.result.get('file_error')}"
        report.na("roster_check_3000_s", why, "informative: a preview of 3,000 new kindergartens")
        return
    roster_import = RosterImport.objects.get(pk=job.result["roster_import"])
    ok = roster_import.summary.get("create") == ROSTER_ROWS
    report.figure("roster_check_3000_s", result["seconds"], "s", "informative: a preview of 3,000 new ones", ok)
    report.figure("roster_check_3000_peak_rss_mb", result["peak_rss_kb"] / 1024, "MB", "informative", True)


def compare_writers(report: Report, tmp: Path) -> None:
    from kindergartens import excel  # noqa: F401 - the same Django set-up as the export

    child = subprocess.run(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, str(Path(__file__).resolve()), "--writer-child", str(tmp / "openpyxl.xlsx")],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        report.na("openpyxl_write_only_30000_s", f"the child exited with {child.returncode}", "informative")
        return
    result = json.loads(child.stdout.strip().splitlines()[-1])
    name = "openpyxl_write_only_lxml_30000_s" if result["lxml"] else "openpyxl_write_only_30000_s"
    report.figure(name, result["seconds"], "s", "informative (XlsxWriter: export_30000_s)", True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare-writers", action="store_true", help="also time openpyxl write-only")
    parser.add_argument("--no-libreoffice", action="store_true", help="skip the LibreOffice conversion")
    parser.add_argument("--job-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--writer-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job_child:
        return job_child(args.job_child)
    if args.writer_child:
        return writer_child(args.writer_child)

    began = time.perf_counter()
    setup_django("config.settings.test")
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    _memory_broker()
    from django.conf import settings

    report = Report()
    with tempfile.TemporaryDirectory(prefix="export_bench_") as tmp:
        settings.MEDIA_ROOT = Path(tmp) / "media"
        os.environ["TEST_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # the children write the files there too
        data = build(report)
        export_figures(report, data, Path(tmp), libreoffice=not args.no_libreoffice)
        import_figures(report, data)
        if args.compare_writers:
            compare_writers(report, Path(tmp))
    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
