"""onboarding: sessions an officer dismissed get their own state, "dismissed"

Before, a dismissal closed the session as "manually_resolved", the state of a member an
officer vouched for; the history's cause ("dismissed by ...") was the only difference.

Revision ID: onboarding_0002
Revises: onboarding_0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "onboarding_0002"
down_revision: str | Sequence[str] | None = "onboarding_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

T = "guild_identity.onboarding_transitions"
S = "guild_identity.onboarding_sessions"


def upgrade() -> None:
    # The step after a dismissal (the member left and came back) started from it.
    op.execute(
        f"""
        UPDATE {T} t SET from_state = 'dismissed'
        FROM (
            SELECT id, LAG(to_state) OVER w AS before_to, LAG(cause) OVER w AS before_cause
            FROM {T} WINDOW w AS (PARTITION BY session_id ORDER BY id)
        ) p
        WHERE p.id = t.id AND t.from_state = 'manually_resolved'
          AND p.before_to = 'manually_resolved' AND p.before_cause LIKE 'dismissed by %'
        """
    )
    op.execute(
        f"UPDATE {T} SET to_state = 'dismissed' "
        f"WHERE to_state = 'manually_resolved' AND cause LIKE 'dismissed by %'"
    )
    op.execute(
        f"""
        UPDATE {S} s SET state = 'dismissed'
        WHERE s.state = 'manually_resolved'
          AND (SELECT t.to_state FROM {T} t WHERE t.session_id = s.id ORDER BY t.id DESC LIMIT 1) = 'dismissed'
        """
    )


def downgrade() -> None:
    op.execute(f"UPDATE {S} SET state = 'manually_resolved' WHERE state = 'dismissed'")
    op.execute(f"UPDATE {T} SET to_state = 'manually_resolved' WHERE to_state = 'dismissed'")
    op.execute(f"UPDATE {T} SET from_state = 'manually_resolved' WHERE from_state = 'dismissed'")
