"""hide reset links and invite codes already in the notification outbox

Revision ID: sv_common_0008
Revises: sv_common_0007
Create Date: 2026-12-02 05:45:00

Rows queued before ``dm_player(shown_as=...)`` existed hold reset links and invite codes in
clear, where officers read them (the outbox page and API) and in dedupe keys. Rows that are
done with keep only the stand-in text; queued ones get it for display and lose the secret
once delivered. Invite dedupe keys become the row's id.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "sv_common_0008"
down_revision: str | Sequence[str] | None = "sv_common_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRET_ROWS = "kind = 'dm' AND (dedupe_key LIKE 'reset:%' OR dedupe_key LIKE 'invite:%')"
SHOWN_AS = (
    "CASE WHEN dedupe_key LIKE 'reset:%' THEN 'Password-reset link (hidden)' "
    "ELSE 'Registration invite (the code is hidden)' END"
)


def upgrade() -> None:
    op.execute(
        f"UPDATE common.notification_outbox SET payload = jsonb_build_object("
        f"'content', {SHOWN_AS}, 'shown_as', {SHOWN_AS}) WHERE {SECRET_ROWS} AND status <> 'pending'"
    )
    op.execute(
        f"UPDATE common.notification_outbox SET payload = payload || jsonb_build_object('shown_as', {SHOWN_AS}) "
        f"WHERE {SECRET_ROWS} AND status = 'pending'"
    )
    op.execute(
        "UPDATE common.notification_outbox SET dedupe_key = 'invite-row:' || id "
        "WHERE kind = 'dm' AND dedupe_key LIKE 'invite:%'"
    )


def downgrade() -> None:
    pass  # the secrets are gone on purpose; nothing to restore
