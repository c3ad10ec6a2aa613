"""The onboarding conversation end to end: a member joins the fake Discord, the real bot
DMs them, they answer with buttons and modals (real discord.py interactions), and the
guild's records, rank, Discord role and invite follow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from patt_host import hookimpl
from patt_host.testing.discord import (
    GUILD_ID,
    OFFICER_CHANNEL_ID,
    RANK_ROLE_IDS,
    discord_host,
    map_rank_roles,
)
from patt_host.testing.members import create_member, log_in
from patt_host.testing.waiting import eventually
from patt_site.onboarding_texts import ONBOARDING_TEXTS as TEXTS  # the wording comes from the site
from sv_common.discord.config import update_discord_config
from sv_common.identity.characters import upsert_character
from sv_common.identity.models import DiscordUser, GuildRank, Player
from sv_common.notify.models import NotificationOutbox

NEWBIE = 870000000000000001


@pytest.fixture
async def roster(db):
    """Thrallson on Area 52 (rank level 2), and a Jaina on two realms."""
    await map_rank_roles(db)
    async with db.session() as session:
        rank = await session.scalar(select(GuildRank).where(GuildRank.level == 2))
        thrallson, _ = await upsert_character(
            session, name="Thrallson", realm_slug="area-52", realm_name="Area 52", guild_rank_id=rank.id
        )
        for realm_slug, realm_name in (("area-52", "Area 52"), ("stormrage", "Stormrage")):
            await upsert_character(
                session, name="Jaina", realm_slug=realm_slug, realm_name=realm_name, guild_rank_id=rank.id
            )
        await update_discord_config(
            session, bot_dm_enabled=True, feature_onboarding_dm=True, audit_channel_id=str(OFFICER_CHANNEL_ID)
        )
    return {"thrallson": thrallson.id}


@pytest.fixture
async def bot(make_host, start_discord_bot):
    return await start_discord_bot(discord_host(make_host, site="patt"))


async def states(db) -> tuple[str, list[tuple[str | None, str]]]:
    from patt_onboarding.services import sessions

    async with db.session() as session:
        onboarding = await sessions.get_session(session, str(NEWBIE))
        steps = await sessions.history(session, onboarding.id)
        return onboarding.state, [(t.from_state, t.to_state) for t in steps]


async def joined(fake_discord, **kw) -> dict:
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie", global_name="Newbie", **kw)
    return (await eventually(lambda: fake_discord.dms_to(NEWBIE)))[0]


async def test_join_to_provisioned(db, roster, bot, fake_discord):
    welcome = await joined(fake_discord)
    assert welcome["embeds"][0]["title"] == "Welcome to Test Guild!"
    assert [c["custom_id"] for c in welcome["components"][0]["components"]] == [
        "onboard:in_guild:yes",
        "onboard:in_guild:no",
    ]
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    opened = await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    assert opened.modal["custom_id"] == "onboard:main"
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "thrallson", "realm": ""})
    )
    assert found.content == TEXTS["found_main"].format(name="Thrallson", realm="Area 52")
    done = await fake_discord.interact(dm.button(NEWBIE, found.original, "onboard:alts:none"))
    assert TEXTS["done_title"] in done.content and "/register?code=" in done.content

    state, steps = await states(db)
    assert state == "provisioned"
    assert steps == [
        (None, "awaiting_dm"),
        ("awaiting_dm", "asked_in_guild"),
        ("asked_in_guild", "asked_main"),
        ("asked_main", "asked_alts"),
        ("asked_alts", "pending_verification"),
        ("pending_verification", "verified"),
        ("verified", "provisioned"),
    ]
    async with db.session() as session:
        player = await session.scalar(select(Player).where(Player.display_name == "Newbie"))
        rank = await session.get(GuildRank, player.guild_rank_id)
    assert rank.level == 2  # from the linked character, by identity's rule
    assert RANK_ROLE_IDS[2] in fake_discord.member_role_ids(GUILD_ID, NEWBIE)


async def test_ambiguous_main_asks_for_the_realm_and_a_wrong_one_asks_again(db, roster, bot, fake_discord):
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    wrong = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thral", "realm": ""})
    )
    assert wrong.content == TEXTS["not_found"].format(name="Thral")
    assert wrong.original["components"][0]["components"][0]["custom_id"] == "onboard:main:retry"
    again = await fake_discord.interact(dm.button(NEWBIE, wrong.original, "onboard:main:retry"))
    assert again.modal["custom_id"] == "onboard:main"
    ambiguous = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Jaina", "realm": ""})
    )
    assert ambiguous.content == TEXTS["which_realm"].format(name="Jaina")
    options = ambiguous.original["components"][0]["components"][0]["options"]
    assert [o["value"] for o in options] == ["Area 52", "Stormrage"]
    chosen = await fake_discord.interact(
        dm.select(NEWBIE, ambiguous.original, "onboard:main:realm", ["Stormrage"])
    )
    assert chosen.content == TEXTS["found_main"].format(name="Jaina", realm="Stormrage")
    assert (await states(db))[0] == "asked_alts"


async def test_dms_closed_declines_with_an_officer_notice(db, roster, bot, fake_discord):
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie", dms_open=False)
    await eventually(lambda: _state_is(db, "declined"))
    state, steps = await states(db)
    assert steps[-1] == ("awaiting_dm", "declined") and not fake_discord.dms_to(NEWBIE)
    async with db.session() as session:
        notice = await session.scalar(
            select(NotificationOutbox).where(NotificationOutbox.feature == "onboarding")
        )
    assert notice.target == str(OFFICER_CHANNEL_ID) and "does not accept DMs" in notice.payload["content"]


async def test_switches_off_no_dm(db, roster, bot, fake_discord):
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie")
    await eventually(lambda: _state_is(db, "awaiting_dm"))
    assert not fake_discord.dms_to(NEWBIE)


async def test_a_welcome_that_waited_goes_out_when_an_officer_turns_the_switches_on(
    db, roster, bot, fake_discord, make_client
):
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie")
    await eventually(lambda: _state_is(db, "awaiting_dm"))
    client = await make_client(host=bot.host)
    client.member = await create_member(db, "Officer")
    await log_in(client, client.member)
    saved = await client.patch("/api/v1/discord/config", json={"dm_features": {"onboarding": True}})
    assert saved.status_code == 200, saved.text
    # The bot checks at once (the switches changed in its process), not at its next interval.
    (welcome,) = await eventually(lambda: fake_discord.dms_to(NEWBIE))
    assert welcome["embeds"][0]["title"] == "Welcome to Test Guild!"
    await eventually(lambda: _state_is(db, "asked_in_guild"))
    async with db.session() as session:
        from patt_onboarding.services import sessions

        onboarding = await sessions.get_session(session, str(NEWBIE))
        causes = [t.cause for t in await sessions.history(session, onboarding.id)]
    assert causes == ["joined", "welcome DM sent (it waited)"] and onboarding.dm_sent_at is not None


async def test_the_bot_sends_welcomes_that_waited_on_its_own_check(
    db, roster, make_host, start_discord_bot, fake_discord, monkeypatch
):
    """The switches turned on elsewhere (another process, the database): the bot's check
    finds the waiting members, at most ten a check, and only those still on the server; after
    a full batch the next check comes at the next poll, not the (here daily) interval."""
    from patt_onboarding.services import sessions

    monkeypatch.setenv("PATT_ONBOARDING_RESUME_INTERVAL_SECONDS", "86400")
    monkeypatch.setenv("PATT_ONBOARDING_SWITCH_POLL_SECONDS", "1")
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    assert bot.host.plugin_settings("onboarding").resume_interval_seconds == 86400
    newcomers = [NEWBIE + n for n in range(12)]
    for n, member in enumerate(newcomers):
        await fake_discord.member_join(GUILD_ID, member, f"newbie{n}")
    await eventually(lambda: _waiting_count(db, 12))  # every one waits (switches off)
    assert not any(fake_discord.dms_to(m) for m in newcomers)
    async with db.session() as session:
        gone = await session.scalar(select(DiscordUser).where(DiscordUser.discord_id == str(newcomers[0])))
        gone.is_present = False  # left the server meanwhile: not DMed
    async with db.session() as session:  # eleven wait; one check takes ten
        assert len(await sessions.awaiting_welcome(session)) == 10

    async with db.session() as session:  # as another process would
        await update_discord_config(session, feature_onboarding_dm=True)
    await eventually(lambda: all(fake_discord.dms_to(m) for m in newcomers[1:11]), timeout=5)
    assert not fake_discord.dms_to(newcomers[0])  # the one who left
    # The eleventh went out on the next check (ten a check), and the welcome went once each.
    await eventually(lambda: fake_discord.dms_to(newcomers[11]), timeout=5)
    assert all(len(fake_discord.dms_to(m)) == 1 for m in newcomers[1:])

    async def none_waiting() -> bool:  # each session is recorded as the DM's transaction ends
        async with db.session() as session:
            return await sessions.awaiting_welcome(session) == []

    await eventually(none_waiting, timeout=5)


async def test_welcomes_that_keep_failing_do_not_hold_newer_members_back(
    db, roster, make_host, start_discord_bot, fake_discord, monkeypatch, caplog
):
    """Ten waiting members Discord no longer knows (an account deleted before the member sync
    noticed) fill a whole batch; each failure goes to the back of the queue, so the next check
    welcomes the member who waited behind them."""
    import logging

    from patt_onboarding.services import sessions

    monkeypatch.setenv("PATT_ONBOARDING_RESUME_INTERVAL_SECONDS", "1")
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    await start_discord_bot(discord_host(make_host, site="patt"))
    members = [NEWBIE + n for n in range(11)]
    for n, member in enumerate(members):
        await fake_discord.member_join(GUILD_ID, member, f"newbie{n}")
    await eventually(lambda: _waiting_count(db, 11))
    async with db.session() as session:  # the first batch, in the queue's own order
        gone = {int(discord_id) for discord_id in await sessions.awaiting_welcome(session)}
    (behind,) = set(members) - gone
    for member in gone:  # Discord answers 404 Unknown User for them from now on
        del fake_discord.users[member]
    with caplog.at_level(logging.WARNING, logger="patt.onboarding"):
        async with db.session() as session:
            await update_discord_config(session, feature_onboarding_dm=True)
        (welcome,) = await eventually(lambda: fake_discord.dms_to(behind), timeout=5)
    assert welcome["embeds"][0]["title"] == "Welcome to Test Guild!"
    failed = {r.getMessage().split()[4] for r in caplog.records if "failed: 404" in r.getMessage()}
    assert failed == {str(m) for m in gone}  # each was tried first, and each still waits
    await eventually(lambda: _waiting_count(db, 10))  # the welcome is recorded as its DM's transaction ends


async def _bot_with_a_member_waiting(db, make_host, start_discord_bot, fake_discord, monkeypatch):
    """The bot of a scale-out (its full check once a day here, its watch of the switches every
    second) and a member who joined while the onboarding DMs were off."""
    monkeypatch.setenv("PATT_ONBOARDING_RESUME_INTERVAL_SECONDS", "86400")
    monkeypatch.setenv("PATT_ONBOARDING_SWITCH_POLL_SECONDS", "1")
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    settings = bot.host.plugin_settings("onboarding")
    assert (settings.resume_interval_seconds, settings.switch_poll_seconds) == (86400, 1)
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie")
    await eventually(lambda: _state_is(db, "awaiting_dm"))
    return bot


async def test_switches_turned_on_in_another_process_reach_the_waiting_member_within_the_poll(
    db, roster, make_host, make_client, start_discord_bot, fake_discord, monkeypatch
):
    """The officer saves the settings in a web process without the bot: its
    discord.config_changed stays in that process, and the bot's watch of the switches starts
    the check (not its once-a-day interval)."""
    bot = await _bot_with_a_member_waiting(db, make_host, start_discord_bot, fake_discord, monkeypatch)
    web = make_host(site="patt")  # another process: its own host and events, no bot
    client = await make_client(host=web)
    assert web.bot is None and web is not bot.host
    client.member = await create_member(db, "Officer")
    await log_in(client, client.member)
    saved = await client.patch("/api/v1/discord/config", json={"dm_features": {"onboarding": True}})
    assert saved.status_code == 200, saved.text
    (welcome,) = await eventually(lambda: fake_discord.dms_to(NEWBIE), timeout=5)
    assert welcome["embeds"][0]["title"] == "Welcome to Test Guild!"
    await eventually(lambda: _state_is(db, "asked_in_guild"))


async def test_a_failing_read_of_the_switches_is_logged_and_the_watch_goes_on(
    db, roster, make_host, start_discord_bot, fake_discord, monkeypatch, caplog
):
    import logging

    from sqlalchemy import text

    await _bot_with_a_member_waiting(db, make_host, start_discord_bot, fake_discord, monkeypatch)
    failed = "onboarding: reading the DM switches failed"
    with caplog.at_level(logging.INFO, logger="patt.onboarding"):
        async with db.session() as session:  # the settings' table is gone for a moment
            await session.execute(text("ALTER TABLE common.discord_config RENAME TO discord_config_away"))
        try:
            await eventually(lambda: [r for r in caplog.records if r.getMessage() == failed], timeout=5)
        finally:
            async with db.session() as session:
                await session.execute(text("ALTER TABLE common.discord_config_away RENAME TO discord_config"))
        first = next(r for r in caplog.records if r.getMessage() == failed)
        assert first.levelno == logging.WARNING and first.exc_info is not None  # with the database's error
        async with db.session() as session:  # as another process would
            await update_discord_config(session, feature_onboarding_dm=True)
        # The watch kept going: it reads the switches again and the welcome goes out.
        await eventually(lambda: fake_discord.dms_to(NEWBIE), timeout=5)
        assert any(
            r.getMessage() == "onboarding: reading the DM switches works again" for r in caplog.records
        )


async def _waiting_count(db, count: int) -> bool:
    from patt_onboarding.models import OnboardingSession

    async with db.session() as session:
        rows = await session.scalars(
            select(OnboardingSession).where(OnboardingSession.state == "awaiting_dm")
        )
        return len(rows.all()) == count


async def _state_is(db, wanted: str) -> bool:
    from patt_onboarding.services import sessions
    from sv_common.errors import NotFound

    async with db.session() as session:
        try:
            return (await sessions.get_session(session, str(NEWBIE))).state == wanted
        except NotFound:
            return False


async def answer_not_in_guild_yet(fake_discord, name: str, realm: str = "Area 52") -> None:
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    opened = await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:no"))
    assert opened.modal["custom_id"] == "onboard:main"
    later = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": name, "realm": realm})
    )
    assert later.content == TEXTS["not_in_guild_yet"].format(name=name)
    waiting = await fake_discord.interact(dm.button(NEWBIE, later.original, "onboard:alts:none"))
    assert waiting.content == TEXTS["waiting"]


async def test_not_in_the_guild_yet_is_verified_after_a_roster_sync(db, roster, bot, fake_discord):
    from patt_host.jobs import run_job

    await answer_not_in_guild_yet(fake_discord, "Newchar")
    assert (await states(db))[0] == "pending_verification"
    first = await run_job(bot.host, "onboarding.recheck", trigger="test")
    assert first.counts == {"checked": 1, "provisioned": 0}
    async with db.session() as session:  # the roster sync brings the character in
        await upsert_character(session, name="Newchar", realm_slug="area-52", realm_name="Area 52")
    second = await run_job(bot.host, "onboarding.recheck", trigger="test")
    assert second.counts == {"checked": 1, "provisioned": 1}
    state, steps = await states(db)
    assert state == "provisioned" and steps[-2:] == [
        ("pending_verification", "verified"),
        ("verified", "provisioned"),
    ]
    async with db.session() as session:
        dm = await session.scalar(
            select(NotificationOutbox).where(
                NotificationOutbox.feature == "onboarding", NotificationOutbox.kind == "dm"
            )
        )
    # Queued for the outbox (which the running bot may have delivered already).
    assert dm.target == str(NEWBIE) and dm.status in ("pending", "sent")
    assert "/register?code=" in dm.payload["content"]


async def test_a_member_verified_by_a_process_that_then_stopped_is_provisioned_by_the_recheck(
    db, roster, bot, fake_discord
):
    """Verified, then the process stopped before the role and invite: the session would wait
    forever in "verified". The recheck finishes it once it is clearly left (not while another
    process may still be provisioning it)."""
    from datetime import UTC, datetime, timedelta

    from patt_host.jobs import run_job
    from patt_onboarding.services import sessions

    await answer_not_in_guild_yet(fake_discord, "Newchar")
    async with db.session() as session:
        await upsert_character(session, name="Newchar", realm_slug="area-52", realm_name="Area 52")
        onboarding = await sessions.get_session(session, str(NEWBIE), lock=True)
        assert await sessions.verify(session, onboarding, display_name="Newbie") is not None
    assert (await states(db))[0] == "verified"
    fresh = await run_job(bot.host, "onboarding.recheck", trigger="test")
    assert fresh.counts == {"checked": 0}  # maybe still being provisioned: left alone
    async with db.session() as session:
        onboarding = await sessions.get_session(session, str(NEWBIE), lock=True)
        onboarding.updated_at = datetime.now(UTC) - sessions.STALE_VERIFIED - timedelta(minutes=1)
    stale = await run_job(bot.host, "onboarding.recheck", trigger="test")
    assert stale.counts == {"checked": 1, "provisioned": 1}
    state, steps = await states(db)
    assert state == "provisioned" and steps[-1] == ("verified", "provisioned")
    async with db.session() as session:
        dm = await session.scalar(
            select(NotificationOutbox).where(
                NotificationOutbox.feature == "onboarding", NotificationOutbox.kind == "dm"
            )
        )
    assert dm.target == str(NEWBIE)
    # The invite reaches the member (the outbox drops the code from its row once it is sent,
    # so the row is no place to look for it).
    await eventually(
        lambda: [m for m in fake_discord.dms_to(NEWBIE) if "/register?code=" in m["content"]], timeout=5
    )


async def test_an_overdue_session_is_escalated_exactly_once(db, roster, bot, fake_discord):
    from datetime import UTC, datetime, timedelta

    from patt_host.jobs import run_job
    from patt_onboarding.services import sessions

    await answer_not_in_guild_yet(fake_discord, "Ghostchar")
    async with db.session() as session:
        onboarding = await sessions.get_session(session, str(NEWBIE))
        onboarding.deadline_at = datetime.now(UTC) - timedelta(minutes=1)
    assert (await run_job(bot.host, "onboarding.escalate", trigger="test")).counts == {"escalated": 1}
    assert (await run_job(bot.host, "onboarding.escalate", trigger="test")).counts == {"escalated": 0}
    async with db.session() as session:
        posts = (
            await session.scalars(
                select(NotificationOutbox).where(
                    NotificationOutbox.feature == "onboarding", NotificationOutbox.kind == "channel"
                )
            )
        ).all()
    assert len(posts) == 1 and posts[0].target == str(OFFICER_CHANNEL_ID)
    assert "Ghostchar" in posts[0].payload["embeds"][0]["description"]


async def test_officer_commands_status_retry_resolve_dismiss(db, roster, bot, fake_discord, slash_command):
    from sv_common.testing.fake_discord_interaction_builder import UserOption

    await answer_not_in_guild_yet(fake_discord, "Ghostchar")
    officer = [RANK_ROLE_IDS[4]]
    refused = await slash_command("onboarding status", user_id=870000000000000099, roles=[RANK_ROLE_IDS[1]])
    assert refused.content == "Only officers can use this command." and refused.ephemeral
    status = await slash_command("onboarding status", roles=officer)
    assert (
        status.ephemeral
        and status.content
        == f"<@{NEWBIE}>: pending_verification, main Ghostchar, 1 check(s)"  # checked once when the answers came
    )
    retry = await slash_command("onboarding retry", roles=officer, member=UserOption(NEWBIE))
    assert retry.content == "Still not on the roster." and retry.ephemeral
    resolved = await slash_command("onboarding resolve", roles=officer, member=UserOption(NEWBIE))
    # The bot talks with the member already (onboarding DMs on): the invite goes to them by DM,
    # and the officer's reply does not hold the code.
    assert resolved.ephemeral and resolved.content == (
        f"Resolved <@{NEWBIE}>: no role change (the role sync will catch up); "
        "their website invite was sent to them by DM."
    )
    state, steps = await states(db)
    assert state == "manually_resolved" and steps[-2:] == [
        ("pending_verification", "verified"),
        ("verified", "manually_resolved"),
    ]
    await bot.host.plugin("discord").obj.runtime(bot.host).wait_idle()
    invite_dm = (
        await eventually(
            lambda: [m for m in fake_discord.dms_to(NEWBIE) if "/register?code=" in m["content"]]
        )
    )[-1]
    code = invite_dm["content"].split("/register?code=")[1][:8]
    assert code not in resolved.content and TEXTS["done_title"] in invite_dm["content"]
    dismissed = await slash_command("onboarding dismiss", roles=officer, member=UserOption(NEWBIE))
    assert dismissed.content == "That onboarding is closed already."
    assert (await slash_command("onboarding status", roles=officer)).content == "No open onboarding sessions."


async def test_a_bot_restart_mid_conversation_keeps_its_buttons_working(
    db, roster, make_host, start_discord_bot, fake_discord
):
    first = await start_discord_bot(discord_host(make_host, site="patt"))
    welcome = await joined(fake_discord)
    await first.close()
    await start_discord_bot(discord_host(make_host, site="patt"))
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    opened = await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    assert opened.modal["custom_id"] == "onboard:main"
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thrallson", "realm": ""})
    )
    assert found.content.startswith("Found **Thrallson**")
    assert (await states(db))[0] == "asked_alts"


# -- a conversation the member left resumes: a DM from them, or /onboarding start --------


async def test_a_left_conversation_resumes_when_the_member_writes_and_takes_typed_answers(
    db, roster, bot, fake_discord
):
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    opened = await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    assert opened.modal["custom_id"] == "onboard:main"  # ... and the member closed the modal: stalled
    await fake_discord.user_dm(NEWBIE, "Thrallson-Area 52")  # typed instead, much later
    found = (await eventually(lambda: fake_discord.dms_to(NEWBIE)[1:]))[0]
    assert found["content"] == TEXTS["found_main"].format(name="Thrallson", realm="Area 52")
    assert [c["custom_id"] for c in found["components"][0]["components"]] == [
        "onboard:alts:none",
        "onboard:alts:add",
    ]
    assert (await states(db))[0] == "asked_alts"
    await fake_discord.user_dm(NEWBIE, "none")
    done = (await eventually(lambda: fake_discord.dms_to(NEWBIE)[2:]))[0]
    assert TEXTS["done_title"] in done["content"] and "/register?code=" in done["content"]
    state, steps = await states(db)
    assert state == "provisioned"
    assert ("asked_alts", "asked_alts") in steps and steps[-1] == ("verified", "provisioned")


async def test_a_nudge_by_dm_asks_the_open_question_again_with_working_buttons(db, roster, bot, fake_discord):
    await joined(fake_discord)  # the welcome is never answered
    await fake_discord.user_dm(NEWBIE, "hello? still there?")
    again = (await eventually(lambda: fake_discord.dms_to(NEWBIE)[1:]))[0]
    assert again["content"] == TEXTS["welcome"]
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    opened = await fake_discord.interact(dm.button(NEWBIE, again, "onboard:in_guild:yes"))
    assert opened.modal["custom_id"] == "onboard:main"
    async with db.session() as session:
        from patt_onboarding.services import sessions

        onboarding = await sessions.get_session(session, str(NEWBIE))
        causes = [(t.to_state, t.cause) for t in await sessions.history(session, onboarding.id)]
    assert ("asked_in_guild", "resumed: member wrote by DM") in causes


async def test_onboarding_start_resumes_by_dm_at_the_open_question(
    db, roster, bot, fake_discord, slash_command
):
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))  # modal closed
    started = await slash_command("onboarding start", user_id=NEWBIE)
    assert started.ephemeral and started.content == "I've sent you a DM to carry on."
    resumed = fake_discord.dms_to(NEWBIE)[-1]
    assert resumed["content"].startswith("Where were we? Your main character")
    opened = await fake_discord.interact(dm.button(NEWBIE, resumed, "onboard:main:open"))
    assert opened.modal["custom_id"] == "onboard:main"
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thrallson", "realm": ""})
    )
    assert found.content.startswith("Found **Thrallson**")


async def test_a_declined_member_who_opened_dms_starts_over_with_onboarding_start(
    db, roster, bot, fake_discord, slash_command
):
    await fake_discord.member_join(GUILD_ID, NEWBIE, "newbie", dms_open=False)
    await eventually(lambda: _state_is(db, "declined"))
    started = await slash_command("onboarding start", user_id=NEWBIE)  # DMs open now
    assert started.content == "I've sent you a DM to carry on."
    [welcome] = fake_discord.dms_to(NEWBIE)
    assert welcome["embeds"][0]["title"] == "Welcome to Test Guild!"
    state, steps = await states(db)
    assert state == "asked_in_guild" and steps[-2:] == [
        ("declined", "awaiting_dm"),
        ("awaiting_dm", "asked_in_guild"),
    ]


async def test_switched_off_a_dm_from_the_member_gets_no_answer_and_start_says_so(
    db, roster, bot, fake_discord, slash_command
):
    await joined(fake_discord)
    async with db.session() as session:
        await update_discord_config(session, feature_onboarding_dm=False)
    started = await slash_command("onboarding start", user_id=NEWBIE)
    assert started.content.startswith("Onboarding messages are switched off")
    # What the DM listener answers a typed message (it sends nothing for None).
    assert await bot.get_cog("Onboarding").text_answer(str(NEWBIE), "Thrallson", "Newbie") is None
    assert len(fake_discord.dms_to(NEWBIE)) == 1 and (await states(db))[0] == "asked_in_guild"


async def test_a_roster_sync_that_brings_the_main_in_verifies_the_waiting_member(
    db, blizzard_env, battlenet, make_host, start_discord_bot, fake_discord
):
    """End to end: guild_sync's roster sync against the fake Battle.net emits roster.synced,
    which triggers onboarding.recheck, which verifies and provisions the member."""
    from patt_host.jobs import run_job
    from patt_host.jobs.runner import recent_runs

    battlenet.generate_guild("test-realm", "test-guild", 3)
    await map_rank_roles(db)
    async with db.session() as session:
        await update_discord_config(session, bot_dm_enabled=True, feature_onboarding_dm=True)
    bot = await start_discord_bot(discord_host(make_host, site="patt"))
    await answer_not_in_guild_yet(fake_discord, "Newchar", realm="Test Realm")

    first = await run_job(bot.host, "guild_sync.sync_roster", trigger="manual", triggered_by="test")
    assert first.status == "succeeded", first.error
    rechecks = await eventually(lambda: _finished_runs(bot.host, "onboarding.recheck", 1))
    assert rechecks[0].triggered_by == "roster.synced" and rechecks[0].counts == {
        "checked": 1,
        "provisioned": 0,
    }
    assert (await states(db))[0] == "pending_verification"

    battlenet.add_member("test-realm", "test-guild", "Newchar", rank=3)  # joined the guild in game
    second = await run_job(bot.host, "guild_sync.sync_roster", trigger="manual", triggered_by="test")
    assert second.status == "succeeded", second.error
    await eventually(lambda: _state_is(db, "provisioned"), timeout=20)
    state, steps = await states(db)
    assert steps[-2:] == [("pending_verification", "verified"), ("verified", "provisioned")]
    async with db.session() as session:
        player = await session.scalar(select(Player).where(Player.display_name == "Newbie"))
        names = [c.character_name for c in await characters_of(session, player.id)]
    assert names == ["Newchar"]
    assert len(await recent_runs(bot.host, job_name="onboarding.recheck")) == 2


async def _finished_runs(host, job: str, count: int):
    from patt_host.jobs.runner import recent_runs

    runs = [r for r in await recent_runs(host, job_name=job) if r.status != "running"]
    return runs if len(runs) >= count else None


async def characters_of(session, player_id: int):
    from sv_common.identity.models import PlayerCharacter, WowCharacter

    return (
        await session.scalars(
            select(WowCharacter)
            .join(PlayerCharacter, PlayerCharacter.character_id == WowCharacter.id)
            .where(PlayerCharacter.player_id == player_id)
        )
    ).all()


async def test_a_main_that_belongs_to_another_members_player_is_left_for_the_officers(
    db, roster, bot, fake_discord
):
    """Claiming someone else's character (linked to another Discord account) links nothing."""
    from sv_common.identity.discord_users import upsert_discord_user
    from sv_common.identity.players import create_player, link_character

    async with db.session() as session:
        other, _ = await upsert_discord_user(
            session, discord_id="870000000000000077", username="owner", display_name="Owner", role_ids=[]
        )
        owner = await create_player(session, display_name="Owner", discord_user_id=other.id)
        await link_character(session, player_id=owner.id, character_id=roster["thrallson"])
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thrallson", "realm": ""})
    )
    waiting = await fake_discord.interact(dm.button(NEWBIE, found.original, "onboard:alts:none"))
    assert waiting.content == TEXTS["waiting"]
    assert (await states(db))[0] == "pending_verification"
    async with db.session() as session:
        from sv_common.identity.characters import owner_of

        assert await owner_of(session, roster["thrallson"]) == owner.id
        assert await session.scalar(select(Player).where(Player.display_name == "Newbie")) is None


# -- /onboarding start's cooldown --------------------------------------------------------


async def test_onboarding_start_again_within_the_cooldown_is_refused_and_sends_nothing(
    db, roster, bot, fake_discord, slash_command, caplog
):
    import logging

    from patt_onboarding.config import DEFAULT_TEXTS, START_COOLDOWN_SECONDS

    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))  # modal closed
    state = bot.host.plugin_state("onboarding")  # the cooldown the cog counts in (no Redis here)
    assert state.settings.start_cooldown_seconds == START_COOLDOWN_SECONDS == 60
    now = [1000.0]
    state.clock = lambda: now[0]

    first = await slash_command("onboarding start", user_id=NEWBIE)
    assert first.ephemeral and first.content == "I've sent you a DM to carry on."
    dms, history = len(fake_discord.dms_to(NEWBIE)), (await states(db))[1]
    assert dms == 2 and history[-1] == ("asked_main", "asked_main")  # the resume, recorded

    now[0] += 45  # 15 s of the window left
    with caplog.at_level(logging.INFO):
        again = await slash_command("onboarding start", user_id=NEWBIE)
    assert again.ephemeral
    assert again.content.startswith("You ran this a moment ago. Try again in 15 seconds (at <t:")
    assert again.content.endswith(":T>).")  # a Discord timestamp: the time in the member's own zone
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert len(fake_discord.dms_to(NEWBIE)) == dms and (await states(db))[1] == history

    other = await slash_command("onboarding start")  # another member is not held back: the command
    assert other.content == DEFAULT_TEXTS["resume_unknown"]  # ran (for someone the bot has not seen join)
    # ...and since that run did nothing, it cost them nothing: they may ask again at once.
    assert (await slash_command("onboarding start")).content == DEFAULT_TEXTS["resume_unknown"]

    now[0] += 15  # the window is over
    third = await slash_command("onboarding start", user_id=NEWBIE)
    assert third.ephemeral and third.content == "I've sent you a DM to carry on."
    assert len(fake_discord.dms_to(NEWBIE)) == dms + 1
    assert fake_discord.dms_to(NEWBIE)[-1]["content"].startswith("Where were we? Your main character")


# -- the raid-schedule line: the raids plugin's real nights, else the site's text ----------


async def add_raid_nights(db) -> None:
    from datetime import time

    from patt_raids.services import schedule

    async with db.session() as session:
        for day in (4, 5):  # Friday, Saturday
            await schedule.create_recurring(
                session, label="Raid night", day_of_week=day, default_start_time=time(21)
            )
        await schedule.create_recurring(
            session,
            label="Officers' alt run",
            day_of_week=1,
            default_start_time=time(19),
            display_on_public=False,
        )
        await session.commit()


def schedule_field(welcome: dict) -> list[tuple[str, str]]:
    return [(f["name"], f["value"]) for f in welcome["embeds"][0].get("fields", [])]


async def test_the_welcome_and_the_done_message_show_the_real_raid_nights(db, roster, bot, fake_discord):
    await add_raid_nights(db)
    nights = "Raids: Fridays and Saturdays at 21:00 (America/New_York)."  # the site's zone setting
    welcome = await joined(fake_discord)
    assert schedule_field(welcome) == [("Raid schedule", nights)]
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thrallson", "realm": ""})
    )
    done = await fake_discord.interact(dm.button(NEWBIE, found.original, "onboard:alts:none"))
    assert done.content.splitlines()[-1] == nights
    assert TEXTS["schedule"] not in done.content


async def test_without_public_raid_nights_the_sites_schedule_text_is_used(db, roster, bot, fake_discord):
    welcome = await joined(fake_discord)  # raids runs, but knows no night
    assert schedule_field(welcome) == [("Raid schedule", TEXTS["schedule"])]


async def test_a_site_without_raids_welcomes_with_its_schedule_text(
    db, roster, make_host, start_discord_bot, fake_discord
):
    host = discord_host(make_host, site="patt", plugins=["identity", "guild_sync", "onboarding"])
    assert not host.has_plugin("raids")
    await start_discord_bot(host)
    welcome = await joined(fake_discord)
    assert schedule_field(welcome) == [("Raid schedule", TEXTS["schedule"])]
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    found = await fake_discord.interact(
        dm.modal_submit(NEWBIE, "onboard:main", {"name": "Thrallson", "realm": ""})
    )
    done = await fake_discord.interact(dm.button(NEWBIE, found.original, "onboard:alts:none"))
    assert done.content.splitlines()[-1] == TEXTS["schedule"]


class BrokenSchedule:
    """A plugin whose schedule_summary fails: the welcome still goes out, with the site's text."""

    name = "broken_schedule"

    @hookimpl
    async def schedule_summary(self, session):
        raise RuntimeError("schedule store unreachable")


async def test_a_failing_schedule_answer_falls_back_to_the_sites_text(
    db, roster, make_host, start_discord_bot, fake_discord, caplog
):
    host = discord_host(
        make_host,
        site="patt",
        plugins=["identity", "guild_sync", "onboarding", "broken_schedule"],
        extra_plugins=[BrokenSchedule],
    )
    await start_discord_bot(host)
    welcome = await joined(fake_discord)
    assert schedule_field(welcome) == [("Raid schedule", TEXTS["schedule"])]
    assert await eventually(lambda: _state_is(db, "asked_in_guild"))  # committed after the DM
    assert any("schedule_summary hook failed" in r.getMessage() for r in caplog.records)


async def test_a_sites_cooldown_text_with_another_placeholder_still_answers(
    db, roster, bot, fake_discord, slash_command, monkeypatch
):
    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    text = "Slow down: {minutes} minutes (about {wait})."  # {minutes} is not one we fill
    site_texts = bot.host.site.texts
    if "onboarding" in site_texts:
        monkeypatch.setitem(site_texts["onboarding"], "start_cooldown", text)
    else:
        monkeypatch.setitem(site_texts, "onboarding", {"start_cooldown": text})
    await slash_command("onboarding start", user_id=NEWBIE)
    again = await slash_command("onboarding start", user_id=NEWBIE)
    assert again.ephemeral and again.content.startswith("Slow down: {minutes} minutes (about ")


async def test_a_dismissed_member_asking_to_start_hears_an_officer_closed_it(
    db, roster, bot, fake_discord, slash_command
):
    from patt_onboarding.config import DEFAULT_TEXTS
    from sv_common.testing.fake_discord_interaction_builder import UserOption

    welcome = await joined(fake_discord)
    dm = fake_discord.dm_interaction_builder(NEWBIE)
    await fake_discord.interact(dm.button(NEWBIE, welcome, "onboard:in_guild:yes"))
    dismissed = await slash_command("onboarding dismiss", roles=[RANK_ROLE_IDS[4]], member=UserOption(NEWBIE))
    assert dismissed.ephemeral
    dms = len(fake_discord.dms_to(NEWBIE))
    again = await slash_command("onboarding start", user_id=NEWBIE)
    # Not "you're set up": nobody set them up; and nothing is DMed.
    assert again.content == TEXTS.get("resume_dismissed", DEFAULT_TEXTS["resume_dismissed"])
    assert len(fake_discord.dms_to(NEWBIE)) == dms


@pytest.mark.parametrize("blank", ["   ", "\u200b", "\u2060\ufeff", " \u00ad ", "\u180e-Area 52"])
def test_a_character_name_of_invisible_characters_only_is_refused(blank):
    from patt_onboarding.services.sessions import clean_name
    from sv_common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        clean_name(blank)


def test_names_keep_their_joiners_and_an_invisible_realm_is_no_realm():
    from patt_onboarding.services.sessions import clean_name, clean_realm

    assert clean_name(" Zug\u200dzug-Area 52 ") == "Zug\u200dzug"
    assert clean_realm(" \u200b\u2060 ") is None and clean_realm(" Area 52 ") == "Area 52"
