"""A job's ``kwargs_model`` is checked before a run is queued (422 naming ``kwargs.<field>``) and
when it starts; a failed run keeps one line for officers and its traceback for the log."""

import logging
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, Strict

from patt_host import Job, hookimpl
from patt_host.jobs.runner import recent_runs, run_job
from patt_host.testing import eventually
from sv_common.errors import NotConfigured

OFFICER = {"X-Sample-User": "Olga:4"}


class WeeklyKwargs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weeks: Annotated[int, Strict(), Field(ge=1, le=52)] = 1


async def weekly(ctx, weeks: int = 1):
    return {"weeks": weeks}


def _query_the_database():
    raise RuntimeError("could not read\n[SQL: SELECT secret FROM users]\n/srv/patt/.venv/lib/site.py")


async def broken(ctx):
    _query_the_database()


async def unconfigured(ctx):
    raise NotConfigured("Set PATT_SOMETHING first.")


class Weekly:
    name = "weekly"

    @hookimpl
    def register_jobs(self):
        return [
            Job(weekly, kwargs_model=WeeklyKwargs),
            Job(broken),
            Job(unconfigured),
        ]


async def test_the_jobs_api_refuses_arguments_the_kwargs_model_refuses(make_client):
    client = await make_client(plugins=["sample", "weekly"], extra_plugins=[Weekly])
    url = "/api/v1/jobs/weekly.weekly/run"
    for raw in ('"abc"', "[1]", str(10**30), "-5", "53", '"3"', "3.0", "true"):
        refused = await client.post(
            url,
            content=f'{{"kwargs": {{"weeks": {raw}}}}}',
            headers={**OFFICER, "content-type": "application/json"},
        )
        assert refused.status_code == 422, (raw, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "validation_failed" and "kwargs.weeks" in error["message"]
        assert [d["field"] for d in error["details"]] == ["kwargs.weeks"]
    assert await recent_runs(client.host, job_name="weekly.weekly") == []  # nothing was queued

    accepted = await client.post(url, json={"kwargs": {"weeks": 3}}, headers=OFFICER)
    assert accepted.status_code == 202, accepted.text

    async def finished():
        runs = await recent_runs(client.host, job_name="weekly.weekly")
        return [(r.status, r.counts) for r in runs if r.status != "running"]

    assert await eventually(finished) == [("succeeded", {"weeks": 3})]


async def test_a_run_started_without_the_api_is_checked_when_it_starts(make_host):
    host = make_host(plugins=["sample", "weekly"], extra_plugins=[Weekly])
    await host.open()
    try:
        run = await run_job(host, "weekly.weekly", kwargs={"weeks": 99})  # a cron schedule's, say
        default = await run_job(host, "weekly.weekly")
    finally:
        await host.close()
    assert run.status == "failed"
    assert run.error == (
        "These job arguments are not valid: kwargs.weeks: Input should be less than or equal to 52."
    )
    assert (default.status, default.counts) == ("succeeded", {"weeks": 1})


def test_a_kwargs_model_reference_must_name_a_module(make_host):
    from patt_host.plugins import PluginLoadError

    class Lost:
        name = "lost"

        @hookimpl
        def register_jobs(self):
            return [Job(weekly, kwargs_model="no_such_kwargs_module:Model")]

    with pytest.raises(PluginLoadError) as info:
        make_host(plugins=["lost"], extra_plugins=[Lost])
    assert info.value.problems == {
        "lost": ["kwargs model 'no_such_kwargs_module:Model': there is no module 'no_such_kwargs_module'"]
    }


async def test_a_failed_run_shows_officers_one_line_and_logs_the_traceback(make_client, caplog):
    client = await make_client(plugins=["sample", "weekly"], extra_plugins=[Weekly])
    with caplog.at_level(logging.ERROR, logger="patt.jobs"):
        run = await run_job(client.host, "weekly.broken")
    assert run.status == "failed"
    assert run.error == "RuntimeError: could not read"  # no SQL, no paths, no traceback
    [shown] = client.data(
        await client.get("/api/v1/jobs/runs", params={"job": "weekly.broken"}, headers=OFFICER)
    )
    assert shown["error"] == "RuntimeError: could not read"
    page = await client.get("/admin/jobs", headers=OFFICER)
    assert "SELECT secret" not in page.text and "Traceback" not in page.text

    [logged] = [r for r in caplog.records if r.name == "patt.jobs" and "weekly.broken" in r.getMessage()]
    assert logged.exc_info is not None  # the operator keeps the whole story
    assert "_query_the_database" in caplog.text and "SELECT secret FROM users" in caplog.text

    refusal = await run_job(client.host, "weekly.unconfigured")
    assert (refusal.status, refusal.error) == ("failed", "Set PATT_SOMETHING first.")
