"""Jobs: cron parsing, run records, exclusive locks, officer triggers, and the arq runner on real Redis."""

import asyncio
from datetime import UTC, datetime

import pytest

from patt_host import CronJob, Job, hookimpl
from patt_host.jobs.cron import Cron, CronError
from patt_host.jobs.runner import run_job
from patt_host.testing import eventually
from patt_sample import CALLS

OFFICER = {"X-Sample-User": "Olga:4"}
MEMBER = {"X-Sample-User": "Max:2"}


def test_cron_fields_and_utc():
    cron = Cron.parse("30 1,7,13,19 * * *")
    assert cron.matches(datetime(2026, 3, 1, 7, 30, tzinfo=UTC))
    assert not cron.matches(datetime(2026, 3, 1, 8, 30, tzinfo=UTC))
    assert cron.next_after(datetime(2026, 3, 1, 7, 30, tzinfo=UTC)) == datetime(
        2026, 3, 1, 13, 30, tzinfo=UTC
    )


def test_cron_weekday_and_sunday_as_7():
    assert Cron.parse("0 18 * * 5").matches(datetime(2026, 11, 27, 18, 0, tzinfo=UTC))  # a Friday
    assert Cron.parse("0 0 * * 7").weekday == Cron.parse("0 0 * * 0").weekday == frozenset({0})
    assert Cron.parse("0 0 * * 1-5").arq_kwargs()["weekday"] == {0, 1, 2, 3, 4}  # arq: Monday = 0


def test_cron_day_or_weekday_when_both_restricted():
    cron = Cron.parse("0 0 1 * 1")
    assert cron.matches(datetime(2026, 6, 1, tzinfo=UTC))  # the 1st
    assert cron.matches(datetime(2026, 6, 8, tzinfo=UTC))  # a Monday
    assert not cron.matches(datetime(2026, 6, 9, tzinfo=UTC))


@pytest.mark.parametrize("bad", ["* * * *", "61 * * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"])
def test_cron_rejects_bad_expressions(bad):
    with pytest.raises(CronError):
        Cron.parse(bad)


async def test_run_is_recorded_with_counts(make_host):
    host = make_host(plugins=["sample"])
    await host.open()
    try:
        run = await run_job(host, "sample.count_items", triggered_by="tester", kwargs={"add": 3})
        assert (run.status, run.counts, run.triggered_by) == ("succeeded", {"items": 3, "added": 3}, "tester")
        assert run.finished_at >= run.started_at
    finally:
        await host.close()


async def test_exclusive_job_never_overlaps(make_host):
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(ctx):
        started.set()
        await release.wait()
        return {"done": 1}

    class Slow:
        name = "slow"

        @hookimpl
        def register_jobs(self):
            return [Job(slow, exclusive=True)]

    host = make_host(plugins=["slow"], extra_plugins=[Slow])
    other = make_host(plugins=["slow"], extra_plugins=[Slow])  # a second process, in effect
    await host.open()
    await other.open()
    try:
        first = asyncio.create_task(run_job(host, "slow.slow"))
        await asyncio.wait_for(started.wait(), 5)
        second = await run_job(other, "slow.slow")
        assert second.status == "skipped"
        release.set()
        assert (await first).status == "succeeded"
        again = await run_job(other, "slow.slow")  # the lock was released
        assert again.status == "succeeded"
    finally:
        release.set()
        await host.close()
        await other.close()


async def test_scheduler_fires_due_cron_jobs(make_host):
    from patt_host.jobs.scheduler import InProcessScheduler

    host = make_host(plugins=["sample"])
    scheduler = InProcessScheduler(host)
    due = scheduler.due(datetime(2026, 1, 1, 12, 15, tzinfo=UTC))
    assert [s.job_name for s in due] == ["sample.count_items"]
    assert scheduler.due(datetime(2026, 1, 1, 12, 16, tzinfo=UTC)) == []


async def test_officer_triggers_job_and_sees_runs(make_client):
    client = await make_client(plugins=["sample"])
    assert (await client.post("/api/v1/jobs/sample.fail/run", headers=MEMBER)).status_code == 403
    assert (await client.post("/api/v1/jobs/sample.fail/run")).status_code == 401
    assert (await client.post("/api/v1/jobs/sample.nope/run", headers=OFFICER)).status_code == 404
    response = await client.post("/api/v1/jobs/sample.fail/run", headers=OFFICER)
    assert response.status_code == 202
    assert client.data(response)["runner"] == "in-process"

    async def finished_runs():
        runs = client.data(await client.get("/api/v1/jobs/runs?job=sample.fail", headers=OFFICER))
        return runs if runs and runs[0]["status"] != "running" else None

    runs = await eventually(finished_runs, timeout=5)
    assert runs[0]["status"] == "failed" and runs[0]["triggered_by"] == "Olga"
    jobs = client.data(await client.get("/api/v1/jobs", headers=OFFICER))["jobs"]
    assert {"name": "sample.count_items", "schedules": ["*/15 * * * *"]}.items() <= {
        k: v for j in jobs if j["name"] == "sample.count_items" for k, v in j.items()
    }.items()
    page = await client.get("/admin/jobs", headers=OFFICER)
    assert 'data-job="sample.fail"' in page.text and "status-failed" in page.text
    assert (await client.get("/api/v1/jobs/runs", headers=MEMBER)).status_code == 403


async def test_arq_worker_runs_queued_and_cron_jobs(make_host, redis_url):
    """The same job functions under arq with a real Redis: enqueue from the web side, run in a worker."""
    from arq.worker import Worker

    from patt_host.jobs.arq_worker import worker_settings
    from patt_host.jobs.dispatch import trigger_job
    from patt_host.jobs.runner import recent_runs

    web = make_host(plugins=["sample"], redis_url=redis_url)
    worker_host = make_host(plugins=["sample"], redis_url=redis_url)
    await web.open()
    try:
        queued = await trigger_job(web, "sample.count_items", triggered_by="Olga", kwargs={"add": 1})
        assert queued["runner"] == "arq" and queued["queue_id"]
        settings = worker_settings(worker_host)
        assert [c.name for c in settings["cron_jobs"]] == ["cron:sample.count_items:0"]
        CALLS.clear()
        worker = Worker(**{**settings, "handle_signals": False}, burst=True, poll_delay=0.05)
        await worker.main()
        await worker.close()
        # `patt worker` runs inside the host lifecycle: startup and shutdown hooks were called.
        assert [c for c in CALLS if c[0] in ("startup", "shutdown")] == [
            ("startup", None),
            ("shutdown", None),
        ]
        runs = await recent_runs(web, job_name="sample.count_items")
        assert [(r.trigger, r.status, r.triggered_by, r.counts) for r in runs] == [
            ("queue", "succeeded", "Olga", {"items": 1, "added": 1})
        ]
    finally:
        await web.close()


async def test_with_redis_schedules_belong_to_the_worker_not_the_web_process(make_client, redis_url):
    """`patt serve` must not fire cron jobs that `patt worker` (arq) also fires."""
    client = await make_client(plugins=["sample"], start_services=True, redis_url=redis_url)
    assert client.host.scheduler.running is False
    checks = client.data(await client.get("/api/health"))["checks"]
    assert checks["scheduler"] == {"status": "ok", "detail": "jobs run by `patt worker` (arq)"}
    assert checks["redis"]["status"] == "ok"
    without = await make_client(plugins=["sample"], start_services=True)
    assert without.host.scheduler.running is True


async def nightly(ctx, days: int = 1):
    """A job with metadata that a cron schedule must not drop."""
    return {"days": days}


class Nightly:
    name = "nightly"

    @hookimpl
    def register_jobs(self):
        return [Job(nightly, exclusive=True, description="Nightly cleanup", timeout_seconds=60)]

    @hookimpl
    def register_cron_jobs(self):
        return [CronJob(nightly, "0 3 * * *")]  # the bare function: the registered Job is meant


def test_cron_job_of_a_function_keeps_the_registered_jobs_metadata(make_host):
    host = make_host(plugins=["nightly"], extra_plugins=[Nightly])
    registered = host.jobs.get("nightly.nightly")
    assert (registered.job.exclusive, registered.job.description, registered.job.timeout_seconds) == (
        True,
        "Nightly cleanup",
        60,
    )
    assert [s.cron.expression for s in host.jobs.schedules_for("nightly.nightly")] == ["0 3 * * *"]
    assert [name for name in host.jobs.jobs if name.startswith("nightly.")] == ["nightly.nightly"]


def test_cron_job_of_a_function_registered_twice_is_refused(make_host):
    from patt_host.plugins import PluginLoadError

    class Twice:
        name = "twice"

        @hookimpl
        def register_jobs(self):
            return [Job(nightly), Job(nightly, name="again", exclusive=True)]

        @hookimpl
        def register_cron_jobs(self):
            return [CronJob(nightly, "0 3 * * *")]

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["twice"], extra_plugins=[Twice])
    assert (
        "twice: CronJob(nightly) is ambiguous: that function is the jobs twice.again, twice.nightly"
        in str(info.value)
    )


async def test_run_kwargs_are_checked_before_a_run_is_queued(make_client):
    from patt_host.jobs.runner import recent_runs
    from patt_host.testing import eventually

    client = await make_client(plugins=["sample", "nightly"], extra_plugins=[Nightly])
    refused = await client.post(
        "/api/v1/jobs/nightly.nightly/run", json={"kwargs": {"weeks": 2}}, headers=OFFICER
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_failed"
    assert "weeks" in refused.json()["error"]["message"]
    assert await recent_runs(client.host, job_name="nightly.nightly") == []  # nothing was queued
    accepted = await client.post(
        "/api/v1/jobs/nightly.nightly/run", json={"kwargs": {"days": 2}}, headers=OFFICER
    )
    assert accepted.status_code == 202

    async def finished():
        runs = await recent_runs(client.host, job_name="nightly.nightly")
        return [(r.status, r.counts) for r in runs if r.status != "running"]

    assert await eventually(finished) == [("succeeded", {"days": 2})]


async def test_jobs_triggered_in_process_end_with_the_host(make_host):
    # A job triggered inside `host.running()` without the services (a CLI command, a test, an
    # event's follow-up) must not outlive the host: it would run on a closed database.
    from patt_host.jobs.dispatch import trigger_job

    started, finished = asyncio.Event(), asyncio.Event()

    async def endless(ctx):
        started.set()
        await asyncio.Event().wait()
        finished.set()

    class Endless:
        name = "endless"

        @hookimpl
        def register_jobs(self):
            return [Job(endless)]

    host = make_host(plugins=["endless"], extra_plugins=[Endless])
    async with host.running():
        queued = await trigger_job(host, "endless.endless", triggered_by="tester")
        assert queued["runner"] == "in-process"
        await asyncio.wait_for(started.wait(), 10)
        (task,) = host.scheduler._running
    assert task.done() and not finished.is_set()
    assert not host.scheduler._running


# --- jobs named "module:function": their code loads when they run -------------------------------

LAZY_MODULE = """
async def tally(ctx, n=1):
    return {"n": n}


def plain(ctx):
    return None
"""
BROKEN_MODULE = "raise RuntimeError('the module body fails')\n"


def lazy_plugin(*references: str):
    class Lazy:
        name = "lazy"

        @hookimpl
        def register_jobs(self):
            return [Job(reference, description="lazy") for reference in references]

    return Lazy


@pytest.fixture
def lazy_module(tmp_path, monkeypatch):
    """A module of job functions that nothing has imported yet."""
    import sys
    import uuid

    name = f"lazy_jobs_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(LAZY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


async def test_a_job_named_by_reference_is_imported_by_its_first_run(make_host, lazy_module):
    import sys

    host = make_host(plugins=["lazy"], extra_plugins=[lazy_plugin(f"{lazy_module}:tally")])
    assert [n for n in host.jobs.names() if n.startswith("lazy.")] == ["lazy.tally"]  # as a function job
    assert lazy_module not in sys.modules  # registering it did not load its code
    await host.open()
    try:
        run = await run_job(host, "lazy.tally", kwargs={"n": 4})
    finally:
        await host.close()
    assert (run.status, run.counts) == ("succeeded", {"n": 4})
    assert lazy_module in sys.modules
    assert host.jobs.resolve_all() == {}


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("no colon here", "is not a function or 'package.module:function'"),
        ("lazy_jobs_nowhere_at_all:tally", "there is no module 'lazy_jobs_nowhere_at_all'"),
    ],
)
def test_a_job_reference_that_cannot_be_right_is_refused_at_start(make_host, reference, message):
    from patt_host.plugins import PluginLoadError

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["lazy"], extra_plugins=[lazy_plugin(reference)])
    assert message in str(info.value)


def test_a_bad_job_reference_also_scheduled_is_reported_once(make_host):
    """register_jobs and the CronJob of the same Job find the same problem: one line, not two."""
    from patt_host.plugins import PluginLoadError

    daily = Job("lazy_jobs_nowhere_at_all:tally", description="lazy")

    class Scheduled:
        name = "scheduled"

        @hookimpl
        def register_jobs(self):
            return [daily]

        @hookimpl
        def register_cron_jobs(self):
            return [CronJob(daily, "0 4 * * *")]

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["scheduled"], extra_plugins=[Scheduled])
    assert info.value.problems == {
        "scheduled": [
            "job function 'lazy_jobs_nowhere_at_all:tally': there is no module 'lazy_jobs_nowhere_at_all'"
        ]
    }
    assert str(info.value).count("there is no module") == 1


async def test_a_missing_job_function_fails_its_run_and_the_workers_check(make_host, lazy_module):
    host = make_host(
        plugins=["lazy"], extra_plugins=[lazy_plugin(f"{lazy_module}:absent", f"{lazy_module}:plain")]
    )
    failures = host.jobs.resolve_all()  # what `patt worker` checks before it takes work
    assert failures.keys() == {"lazy.absent", "lazy.plain"}  # the built-in jobs all resolve
    assert "cannot be imported: AttributeError" in failures["lazy.absent"]
    assert "is not an async function" in failures["lazy.plain"]
    await host.open()
    try:
        run = await run_job(host, "lazy.absent")
    finally:
        await host.close()
    assert run.status == "failed"
    assert f"job function '{lazy_module}:absent' cannot be imported" in run.error


def test_a_job_module_that_fails_to_import_is_named_with_its_error(make_host, tmp_path, monkeypatch):
    (tmp_path / "lazy_jobs_broken.py").write_text(BROKEN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    host = make_host(plugins=["lazy"], extra_plugins=[lazy_plugin("lazy_jobs_broken:tally")])
    failures = host.jobs.resolve_all()
    assert failures == {
        "lazy.tally": "job function 'lazy_jobs_broken:tally' cannot be imported: "
        "RuntimeError: the module body fails"
    }
