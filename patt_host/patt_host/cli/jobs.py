"""``patt jobs ...``: list the jobs and run one in this process."""

from __future__ import annotations

import json
import sys

import click

from patt_host.cli.base import HostContext, cli, pass_ctx, run_in_host
from sv_common.errors import DomainError


@cli.group()
def jobs() -> None:
    """Background jobs."""


@jobs.command("list")
@pass_ctx
def jobs_list(hctx: HostContext) -> None:
    """List every job and its UTC schedule."""
    host = hctx.host()
    for name in host.jobs.names():
        schedules = ", ".join(s.cron.expression for s in host.jobs.schedules_for(name)) or "manual"
        click.echo(f"{name:<40} {schedules}")


class _ProgressBar:
    """A click progress bar on stderr, opened on the job's first ``ctx.progress`` report."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None or self.bar.length != total:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.done = 0
        if done > self.done:
            self.bar.update(done - self.done)
            self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@jobs.command("run")
@click.argument("name")
@click.option("--kwargs", "kwargs_json", default="{}", help="JSON object of keyword arguments.")
@pass_ctx
def jobs_run(hctx: HostContext, name: str, kwargs_json: str) -> None:
    """Run a job now, in this process, and print its record."""
    host = hctx.host()
    registered = host.jobs.get(name)
    if registered is None:
        raise click.ClickException(f"no job named {name!r}; see `patt jobs list`")
    try:
        kwargs = json.loads(kwargs_json)
    except ValueError as exc:
        raise click.ClickException(f"--kwargs is not valid JSON: {exc}") from exc
    if not isinstance(kwargs, dict):
        raise click.ClickException("--kwargs must be a JSON object")
    try:
        kwargs = registered.check_kwargs(kwargs)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc

    bar = _ProgressBar(name)
    from patt_host.jobs.runner import run_job

    try:
        run = run_in_host(
            host,
            lambda: run_job(
                host, name, trigger="cli", triggered_by="cli", kwargs=kwargs, on_progress=bar.update
            ),
        )
    finally:
        bar.close()
    click.echo(f"{run.job_name}: {run.status} {json.dumps(run.counts or {}, sort_keys=True)}")
    if run.error:
        click.echo(run.error, err=True)
    sys.exit(0 if run.status in ("succeeded", "skipped") else 1)
