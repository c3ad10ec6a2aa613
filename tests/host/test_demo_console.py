"""What `patt demo` and `patt serve` print: plugins' demo summaries with every login on a line of
its own, and discord.py's voice warnings (the bot never joins voice) dropped, other warnings kept."""

from __future__ import annotations

import logging

import pytest

from patt_host.cli import base
from patt_host.cli.processes import demo_summary


def test_logins_get_lines_of_their_own_whatever_the_plugin_returns():
    lines, logins = demo_summary(
        {
            "identity": "40 players, 31 Discord users; officer login: officer / pw-1",
            "other": "first line\nmember: register at /register with code ABCD; second part\nLog in as x / y",
            "crafting": "14 crafters; guild orders on",
            "quiet": None,
            "counts": {"a": 1},
        }
    )
    assert lines == [
        "  identity: 40 players, 31 Discord users",
        "  other: first line",
        "         second part",
        "  crafting: 14 crafters; guild orders on",
        "  counts: {'a': 1}",
    ]
    assert logins == [
        "officer login: officer / pw-1",
        "member: register at /register with code ABCD",
        "Log in as x / y",
    ]


@pytest.fixture
def cli_logging(monkeypatch):
    """``cli_logging(verbose)``: the CLI's logging set-up, for this test only (the loggers it
    touches get their level and filters back afterwards)."""
    # The parents too: `patt db check` run in-process by another test quiets "alembic".
    for name in ("discord.client", "alembic.runtime.migration", "alembic.runtime", "alembic", "httpx"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "filters", list(logger.filters))
        monkeypatch.setattr(logger, "level", logging.NOTSET)
    return base._configure_logging


def test_only_discords_two_voice_warnings_are_dropped(cli_logging, caplog):
    cli_logging(verbose=False)
    cli_logging(verbose=False)  # each command configures once; twice must not stack filters
    log = logging.getLogger("discord.client")
    with caplog.at_level(logging.INFO):
        log.warning("PyNaCl is not installed, voice will NOT be supported")
        log.warning("davey is not installed, voice will NOT be supported")
        log.warning("Shard ID %s heartbeat blocked for more than %s seconds.", None, 10)
        log.info("logging in using static token")
        log.error("PyNaCl is not installed, voice will NOT be supported")  # not the warning: kept
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "discord.client"] == [
        ("WARNING", "Shard ID None heartbeat blocked for more than 10 seconds."),
        ("INFO", "logging in using static token"),
        ("ERROR", "PyNaCl is not installed, voice will NOT be supported"),
    ]
    assert len(log.filters) == 1


@pytest.mark.parametrize("verbose", [False, True])
def test_alembics_line_per_revision_shows_only_with_verbose(cli_logging, caplog, verbose):
    cli_logging(verbose=verbose)
    migration = logging.getLogger("alembic.runtime.migration")
    with caplog.at_level(logging.INFO):
        migration.info("Running upgrade %s -> %s, %s", "a_0001", "a_0002", "why")
        migration.warning("a migration's own warning")
    shown = [r.getMessage() for r in caplog.records if r.name == migration.name]
    assert shown == (["Running upgrade a_0001 -> a_0002, why"] if verbose else []) + [
        "a migration's own warning"
    ]
