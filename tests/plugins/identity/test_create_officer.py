"""``patt identity create-officer``: the first officer of a real (non-demo) site, from the CLI."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from sqlalchemy import func, select

from patt_host import cli as cli_module
from sv_common.identity.models import Player, User

PASSWORD = "a long passphrase of mine"


async def _invoke(host, monkeypatch, args, stdin=PASSWORD + "\n"):
    monkeypatch.setattr(cli_module.HostContext, "host", lambda self: host)
    return await asyncio.to_thread(CliRunner().invoke, cli_module.cli, args, input=stdin)


async def test_create_officer_makes_a_guild_leader_who_can_log_in(make_host, make_client, monkeypatch):
    host = make_host()
    result = await _invoke(  # the password is asked twice, hidden
        host,
        monkeypatch,
        ["identity", "create-officer", "--username", "Trogmoon", "--name", "Trogmoon"],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "created officer 'trogmoon'" in result.output and "rank Guild Leader" in result.output

    client = await make_client(host=host)
    login = await client.post("/api/v1/auth/login", json={"username": "trogmoon", "password": PASSWORD})
    assert login.status_code == 200, login.text
    me = client.data(await client.get("/api/v1/auth/me"))
    assert me["display_name"] == "Trogmoon" and me["rank"]["name"] == "Guild Leader"
    assert (await client.get("/admin/players")).status_code == 200  # officer pages open


async def test_create_officer_takes_a_roster_player_without_an_account(
    make_host, make_client, monkeypatch, db
):
    async with db.session() as s:
        s.add(Player(display_name="Shodoom"))
    host = make_host()
    args = ["identity", "create-officer", "--username", "shodoom", "--name", "shodoom", "--rank", "officer"]
    result = await _invoke(host, monkeypatch, [*args, "--password-stdin"])
    assert result.exit_code == 0, result.output
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Player)) == 1
        player = await s.scalar(select(Player))
        assert player.website_user_id is not None and player.rank_override_id is not None


async def test_create_officer_refuses_a_rank_below_officer_a_taken_name_and_a_weak_password(
    make_host, monkeypatch, db
):
    host = make_host()
    below = await _invoke(
        host,
        monkeypatch,
        [
            "identity",
            "create-officer",
            "--username",
            "max",
            "--name",
            "Max",
            "--rank",
            "Member",
            "--password-stdin",
        ],
    )
    assert below.exit_code == 1 and "below the officer rank" in below.output
    first = await _invoke(
        host,
        monkeypatch,
        ["identity", "create-officer", "--username", "gm", "--name", "Gm", "--password-stdin"],
    )
    assert first.exit_code == 0, first.output
    taken = await _invoke(
        host,
        monkeypatch,
        ["identity", "create-officer", "--username", "gm", "--name", "Other", "--password-stdin"],
    )
    assert taken.exit_code == 1 and "already taken" in taken.output
    weak = await _invoke(
        host,
        monkeypatch,
        ["identity", "create-officer", "--username", "weak", "--name", "Weak", "--password-stdin"],
        stdin="short\n",
    )
    assert weak.exit_code == 1 and "Traceback" not in weak.output
    async with db.session() as s:  # nothing of the refused attempts was kept
        assert await s.scalar(select(func.count()).select_from(User)) == 1
        assert await s.scalar(select(func.count()).select_from(Player)) == 1
