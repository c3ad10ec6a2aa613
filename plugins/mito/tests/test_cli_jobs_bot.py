"""Mito through its other doors: the `patt mito import` command, the daily job, /mito quote, the demo."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from patt_host.jobs import run_job
from patt_host.testing import TEST_SECRET

CHANNEL_ID = 800000000000000042


def patt(args, database_url, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATT_", "DISCORD_", "REDIS_"))}
    env.update(DATABASE_URL=database_url, JWT_SECRET_KEY=TEST_SECRET, PATT_SITE="patt")
    patt_bin = Path(sys.executable).parent / "patt"
    return subprocess.run(
        [str(patt_bin), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


async def test_patt_mito_import_reads_a_file_once(db, tmp_path):
    from patt_mito.models import MitoQuote

    quotes = tmp_path / "quotes.txt"
    quotes.write_text("First words\n\nSecond words\nfirst WORDS\n", encoding="utf-8")
    url = db.url
    first = await asyncio.to_thread(patt, ["mito", "import", str(quotes)], url, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("imported 2 quotes, skipped 1 already present")
    again = await asyncio.to_thread(patt, ["mito", "import", str(quotes)], url, tmp_path)
    assert again.stdout.strip().endswith("imported 0 quotes, skipped 3 already present")
    async with db.session() as session:
        assert (await session.scalars(select(MitoQuote.quote).order_by(MitoQuote.id))).all() == [
            "First words",
            "Second words",
        ]
    bad = tmp_path / "bad.txt"
    bad.write_text("x" * 501 + "\n", encoding="utf-8")
    refused = await asyncio.to_thread(patt, ["mito", "import", str(bad)], url, tmp_path)
    assert refused.returncode == 1
    assert "Error: The quote is longer than 500 characters." in refused.stderr
    assert "Traceback" not in refused.stderr


async def test_daily_quote_job_queues_one_post_a_day(make_host, monkeypatch):
    from sv_common.notify import NotificationOutbox

    monkeypatch.setenv("PATT_MITO_DAILY_CHANNEL_ID", str(CHANNEL_ID))
    host = make_host(site="patt")
    assert [s.cron.expression for s in host.jobs.schedules_for("mito.post_daily_quote")] == ["0 15 * * *"]
    assert host.jobs.get("mito.post_daily_quote").job.exclusive is True  # the schedule kept the Job's options
    async with host.running():
        empty = await run_job(host, "mito.post_daily_quote", trigger="test")
        assert empty.counts == {"skipped_no_quotes": 1}
        async with host.db.session() as session:
            await host.hooks.seed_demo_data(session)
        first = await run_job(host, "mito.post_daily_quote", trigger="test")
        second = await run_job(host, "mito.post_daily_quote", trigger="test")
        assert (first.status, first.counts) == ("succeeded", {"queued": 1})
        assert second.counts == {"queued": 1}  # the same day's key: Discord gets one post
        async with host.db.session() as session:
            rows = (
                await session.scalars(select(NotificationOutbox).where(NotificationOutbox.feature == "mito"))
            ).all()
    assert len(rows) == 1 and rows[0].target == str(CHANNEL_ID)
    assert rows[0].payload["embeds"][0]["title"] == "Mito's quote of the day"


async def test_without_a_channel_nothing_is_scheduled(make_host, monkeypatch):
    monkeypatch.delenv("PATT_MITO_DAILY_CHANNEL_ID", raising=False)
    assert make_host(site="patt").jobs.schedules_for("mito.post_daily_quote") == []


async def test_slash_command_answers_with_a_quote(make_host, start_discord_bot, slash_command, db):
    from patt_host.testing import discord_host

    host = discord_host(make_host, site="patt")
    await start_discord_bot(host)
    record = await slash_command("mito quote")
    assert record.content == "Mito is thinking. (No quotes yet.)" and not record.ephemeral
    async with db.session() as session:
        await host.hooks.seed_demo_data(session)
    record = await slash_command("mito quote")
    assert record.content.startswith("“") and "— Mito, " in record.content


async def test_demo_seed_goes_through_the_service(make_host, db):
    host = make_host(site="patt", plugins=["identity", "mito"])
    async with db.session() as session:
        summary = await host.hooks.seed_demo_data(session)
    assert summary["mito"] == "3 quotes, 3 titles"
    async with db.session() as session:
        assert (await host.hooks.seed_demo_data(session))["mito"] == "already seeded"


async def test_salt_enables_mito_only_through_the_operator_setting(make_client):
    salt = await make_client(site="salt")
    assert not salt.host.has_plugin("mito")
    assert (await salt.get("/mito")).status_code == 404
    with_mito = await make_client(site="salt", patt_extra_plugins="mito")
    assert with_mito.host.has_plugin("mito")
    assert (await with_mito.get("/mito")).status_code == 200


async def test_job_function_called_directly_with_job_context(job_context):
    from patt_mito.jobs import post_daily_quote

    # job_context is built from patt_client_kwargs (the PATT site): mito is enabled, no channel set.
    assert job_context.host.has_plugin("mito")
    await post_daily_quote(job_context)
    assert job_context.counts == {"skipped_no_channel": 1}
