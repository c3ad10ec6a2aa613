"""sv_common_0008: reset links and invite codes queued before ``shown_as`` leave the officers' view."""

import asyncio
import json
import os

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from patt_host import dbmigrate

ROWS = [
    # (kind, status, feature, dedupe_key, content)
    ("dm", "sent", "invite", "reset:5", "Your link: https://x.test/reset-password?token=SECRETONE"),
    ("dm", "pending", "invite", "invite:CODETWO", "Your registration code: **CODETWO**"),
    ("channel", "sent", "announce", None, "Raid tonight"),
]


async def test_existing_secrets_are_hidden_and_queued_ones_still_delivered(patt_postgres):
    name = f"patt_test_{os.getpid()}_outbox"
    url = await patt_postgres.create_database(name)
    try:
        config = dbmigrate.make_config(url, dbmigrate.core_lineages())
        await asyncio.to_thread(command.upgrade, config, "sv_common_0007")
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            for kind, status, feature, key, content in ROWS:
                await conn.execute(
                    text(
                        "INSERT INTO common.notification_outbox (kind, target, payload, feature, status, dedupe_key)"
                        " VALUES (:kind, '1', CAST(:payload AS jsonb), :feature, :status, :key)"
                    ),
                    {
                        "kind": kind,
                        "payload": json.dumps({"content": content}),
                        "feature": feature,
                        "status": status,
                        "key": key,
                    },
                )
        await asyncio.to_thread(command.upgrade, config, "sv_common_0008")
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT payload, dedupe_key FROM common.notification_outbox ORDER BY id")
                )
            ).all()
        await engine.dispose()
        (sent, sent_key), (queued, queued_key), (post, _) = rows
        assert sent == {"content": "Password-reset link (hidden)", "shown_as": "Password-reset link (hidden)"}
        assert sent_key == "reset:5"
        # Still to be delivered as written, but listed (and scrubbed after sending) by its stand-in.
        assert "CODETWO" in queued["content"] and queued["shown_as"].endswith("(the code is hidden)")
        assert "CODETWO" not in queued_key
        assert post == {"content": "Raid tonight"}
    finally:
        await patt_postgres.drop_database(name)
