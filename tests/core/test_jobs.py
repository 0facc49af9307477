"""core.jobs: the generic background job — start on commit, run once, progress, file, access, expiry.

A test kind (``tests.echo``) is registered for these tests: it writes its parameters to a file,
or fails as asked. The kindergartens kinds are tested in tests/kindergartens/test_export.py and
test_import.py; the permission matrix rows are in tests/matrix_jobs.py.
"""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.jobs import JobFailed, JobKind, job_execute, job_start, jobs_cleanup, register_kind
from core.models import AuditEntry, Job
from tests.jobs import run_queued_jobs

ECHO = "tests.echo"
calls: list[int] = []


def run_echo(run):
    calls.append(run.job.pk)
    mode = run.params.get("mode", "ok")
    if mode == "refuse":
        raise JobFailed("您没有权限生成该文件。")
    with run.result_file("回声.xlsx") as fileobj:
        fileobj.write(run.read_input() if run.job.input_file else b"echo")
        for done in range(0, 101, 10):
            run.progress(done, 100, "正在回声")
        if mode == "crash":
            raise RuntimeError("boom")
    run.result = {"size": 4}


def echo_access(user, job):
    if job.params.get("locked"):
        raise PermissionDenied


@pytest.fixture(autouse=True)
def echo_kind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    kind = JobKind(
        name=ECHO,
        label="回声任务",
        run=run_echo,
        check_access=echo_access,
        again_url=lambda job: "/again/",
    )
    register_kind(kind)
    calls.clear()
    yield kind
    jobs._kinds.pop(ECHO, None)


def start(user, **params):
    return job_start(kind=ECHO, user=user, params=params, district_id=user.bureau_id)


def url(name, job):
    return reverse(f"core:{name}", kwargs={"pk": job.pk})


# --- the registry and the start ---------------------------------------------------------------


def test_a_kind_cannot_be_registered_twice_differently(echo_kind):
    register_kind(echo_kind)  # the same kind again (ready() may run twice): fine
    with pytest.raises(ImproperlyConfigured):
        register_kind(JobKind(name=ECHO, label="另一个", run=run_echo, check_access=echo_access))


def test_an_unknown_kind_cannot_be_started(cast):
    with pytest.raises(ImproperlyConfigured):
        job_start(kind="tests.nothing", user=cast.bureau_staff)


def test_the_apps_register_their_kinds():
    assert {"kindergartens.export", "kindergartens.roster_check"} <= set(jobs.registered_kinds())


def test_a_job_is_sent_to_the_worker_only_when_the_transaction_commits(cast, django_capture_on_commit_callbacks):
    with mock.patch("core.tasks.run_job.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = start(cast.bureau_staff)
        delay.assert_not_called()  # not before the commit: the worker must find the row
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(job_id=job.pk, actor_id=cast.bureau_staff.pk)
    assert job.state == Job.State.QUEUED


def test_starting_a_job_is_audited(cast):
    job = start(cast.bureau_staff, mode="ok")
    [entry] = AuditEntry.objects.filter(content_type__model="job", object_id=str(job.pk))
    assert entry.action == "create" and entry.changes["kind"] == [None, ECHO]
    assert entry.district_id == cast.district_a.pk


# --- running ------------------------------------------------------------------------------------


def test_a_job_runs_once_however_often_it_is_delivered(cast):
    job = start(cast.bureau_staff)
    assert job_execute(job_id=job.pk) is True
    assert job_execute(job_id=job.pk) is False  # a second delivery of the same message
    assert calls == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.result == {"size": 4}
    assert (job.progress_done, job.progress_total) == (100, 100)
    assert job.result_name == "回声.xlsx" and job.result_file.read() == b"echo"
    assert job.expires_at - job.finished_at == datetime.timedelta(days=1)


def test_a_running_job_is_not_started_again(cast):
    job = start(cast.bureau_staff)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    assert job_execute(job_id=job.pk) is False
    assert calls == []


def test_the_task_runs_the_job(cast):
    from core.tasks import run_job

    job = start(cast.bureau_staff)
    assert run_job(job_id=job.pk, actor_id=cast.bureau_staff.pk) is True
    assert run_job(job_id=job.pk, actor_id=cast.bureau_staff.pk) is False


def test_an_expected_failure_shows_its_message(cast):
    job = start(cast.bureau_staff, mode="refuse")
    run_queued_jobs()
    job.refresh_from_db()
    assert (job.state, job.error) == (Job.State.FAILED, "您没有权限生成该文件。")
    assert not job.result_file


def test_an_unexpected_failure_is_logged_and_leaves_no_half_file(cast, caplog, settings):
    job = start(cast.bureau_staff, mode="crash")
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == jobs.GENERIC_FAILURE and "boom" not in job.error
    assert not job.result_file and not list((settings.MEDIA_ROOT / "jobs" / "result").glob("*"))
    assert "boom" in caplog.text


def test_the_uploaded_input_is_deleted_after_the_run_whatever_the_outcome(cast, settings):
    for mode in ("ok", "refuse", "crash"):
        job = job_start(kind=ECHO, user=cast.bureau_staff, params={"mode": mode}, input_data=b"data", input_name="a")
        stored = settings.MEDIA_ROOT / job.input_file.name
        assert stored.read_bytes() == b"data"
        run_queued_jobs()
        job.refresh_from_db()
        assert not stored.exists() and not job.input_file, mode
    assert not list((settings.MEDIA_ROOT / "jobs" / "input").glob("*"))


def test_progress_is_throttled_and_writes_no_audit_entry(cast):
    job = start(cast.bureau_staff)
    run = jobs.JobRun(job=job)
    before = AuditEntry.objects.count()
    with mock.patch.object(Job._base_manager, "filter", wraps=Job._base_manager.filter) as writes:
        for done in range(1000):
            run.progress(done, 1000)
        run.progress(1000, 1000)
    assert writes.call_count <= 3  # the first, maybe one more, and the last
    assert AuditEntry.objects.count() == before
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (1000, 1000)


# --- the pages: only the user who asked -----------------------------------------------------------


def test_the_job_page_polls_a_static_script_while_it_runs(client, cast):
    job = start(cast.bureau_staff)
    client.force_login(cast.bureau_staff)
    text = client.get(url("job-detail", job)).content.decode()
    assert f'data-job-status-url="{url("job-status", job)}"' in text
    assert 'data-job-finished="0"' in text and "排队中" in text
    assert '<script src="/static/js/jobs.js"></script>' in text
    assert "<script>" not in text  # the CSP forbids inline scripts


def test_the_status_endpoint_says_how_far_it_is(client, cast):
    job = start(cast.bureau_staff)
    Job._base_manager.filter(pk=job.pk).update(state=Job.State.RUNNING, progress_done=30, progress_total=120)
    client.force_login(cast.bureau_staff)
    response = client.get(url("job-status", job))
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "state": "running",
        "state_label": "处理中",
        "done": 30,
        "total": 120,
        "percent": 25,
        "note": "",
        "finished": False,
    }
    run_queued_jobs()  # not queued any more: nothing runs
    Job._base_manager.filter(pk=job.pk).update(state=Job.State.DONE)
    assert client.get(url("job-status", job)).json()["finished"] is True


def test_a_finished_job_offers_its_file_until_it_expires(client, cast):
    job = start(cast.bureau_staff)
    run_queued_jobs()
    job.refresh_from_db()
    client.force_login(cast.bureau_staff)
    text = client.get(url("job-detail", job)).content.decode()
    assert f'href="{url("job-download", job)}"' in text
    until = timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M")
    assert f"文件保留至 {until}，仅您本人可以下载。" in text  # Beijing time, never UTC

    response = client.get(url("job-download", job))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"echo"
    assert "filename*=utf-8''%E5%9B%9E%E5%A3%B0.xlsx" in response["Content-Disposition"]
    job.refresh_from_db()
    assert job.downloads == 1
    entry = AuditEntry.objects.filter(content_type__model="job", object_id=str(job.pk)).first()
    assert entry.changes == {"downloads": [0, 1]} and entry.actor_id == cast.bureau_staff.pk


def test_a_download_before_the_file_exists_is_404(client, cast):
    job = start(cast.bureau_staff)
    client.force_login(cast.bureau_staff)
    assert client.get(url("job-download", job)).status_code == 404


def test_an_expired_file_says_so_in_chinese_with_a_link_to_ask_again(client, cast):
    job = start(cast.bureau_staff)
    run_queued_jobs()
    client.force_login(cast.bureau_staff)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(url("job-download", job))
    assert response.status_code == 410
    text = response.content.decode()
    assert "文件已过期" in text and "只保留一天" in text and 'href="/again/"' in text
    assert "文件已过期并已删除" in client.get(url("job-detail", job)).content.decode()


def test_a_file_gone_from_the_disk_is_reported_as_expired(client, cast):
    job = start(cast.bureau_staff)
    run_queued_jobs()
    job.refresh_from_db()
    job.result_file.storage.delete(job.result_file.name)
    client.force_login(cast.bureau_staff)
    assert client.get(url("job-download", job)).status_code == 410


@pytest.mark.parametrize("name", ["job-detail", "job-status", "job-download"])
def test_nobody_else_sees_a_job_not_even_a_colleague(client, cast, name):
    job = start(cast.bureau_staff)
    run_queued_jobs()
    for role in ("bureau_admin", "city_viewer", "supervisor", "kg_director", "no_scope", "admin_b"):
        client.force_login(getattr(cast, role))
        assert client.get(url(name, job)).status_code == 404, role
    client.logout()
    assert client.get(url(name, job)).status_code == 302  # to the login page
    client.force_login(cast.bureau_staff)
    assert client.get(url(name, job)).status_code == 200


def test_the_kind_decides_the_right_on_ones_own_job(client, cast):
    job = start(cast.bureau_staff, locked=True)
    client.force_login(cast.bureau_staff)
    assert client.get(url("job-detail", job)).status_code == 403


def test_a_job_of_an_unregistered_kind_is_404(client, cast):
    job = start(cast.bureau_staff)
    Job._base_manager.filter(pk=job.pk).update(kind="gone.kind")
    client.force_login(cast.bureau_staff)
    assert client.get(url("job-detail", job)).status_code == 404


def test_my_jobs_lists_only_my_own_with_a_constant_query_count(client, cast, django_assert_max_num_queries):
    mine = [start(cast.bureau_staff, n=n) for n in range(3)]
    start(cast.bureau_admin)
    client.force_login(cast.bureau_staff)
    with django_assert_max_num_queries(8) as few:
        response = client.get(reverse("core:job-list"))
    assert {j.pk for j in response.context["page"].object_list} == {j.pk for j in mine}
    for n in range(30):
        start(cast.bureau_staff, n=n)
    run_queued_jobs()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("core:job-list"))
    assert "回声任务" in response.content.decode() and "下载" in response.content.decode()


# --- the daily cleanup --------------------------------------------------------------------------


def test_cleanup_deletes_expired_files_and_keeps_the_rows(cast, settings):
    old, fresh = start(cast.bureau_staff), start(cast.bureau_staff)
    run_queued_jobs()
    old.refresh_from_db()
    path = settings.MEDIA_ROOT / old.result_file.name
    assert path.exists()
    counts = jobs_cleanup(now=old.expires_at + datetime.timedelta(seconds=1))
    assert counts["files"] >= 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not path.exists() and not old.result_file and old.result_name == "回声.xlsx"
    assert Job.objects.filter(pk=old.pk).exists()
    entry = AuditEntry.objects.filter(content_type__model="job", object_id=str(old.pk)).first()
    assert entry.source == "task" and "result_file" in entry.changes
    assert jobs_cleanup(now=old.expires_at + datetime.timedelta(seconds=1))["files"] == 0  # idempotent


def test_cleanup_fails_jobs_a_dead_worker_left_running(cast):
    job = start(cast.bureau_staff)
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    Job._base_manager.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=long_ago)
    assert jobs_cleanup()["stale"] == 1
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.error == jobs.INTERRUPTED


def test_the_cleanup_runs_daily(settings):
    from config.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["cleanup-jobs"]
    assert entry["task"] == "core.tasks.cleanup_jobs" and entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}


def test_a_job_file_can_be_attached_by_hand(cast):
    """Storage round trip used by the matrix: a done job with a file."""
    job = start(cast.bureau_staff)
    job.result_file.save("x.xlsx", ContentFile(b"x"), save=False)
    assert job.result_file.name.startswith("jobs/result/")


def test_what_a_job_writes_is_the_requesters_doing_from_a_task(cast):
    job = start(cast.bureau_staff)
    run_queued_jobs()
    entry = AuditEntry.objects.filter(content_type__model="job", object_id=str(job.pk), action="update").first()
    assert entry.changes["state"] == ["running", "done"]
    assert (entry.source, entry.actor_id, entry.actor_label) == ("task", cast.bureau_staff.pk, "bureau_staff")
    assert entry.path == f"core.tasks.run_job {ECHO}"
