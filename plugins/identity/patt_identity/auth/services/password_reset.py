"""Password resets: single-use, expiring links, issued by an officer or by "forgot password"
(sent as a Discord DM, so only the member's own Discord account receives it).

Only the SHA-256 of a token is stored. A new officer link voids the account's earlier
unused officer link. A "forgot password" request voids nothing: anyone who knows a
username can ask, and that must never void a link the member already holds (an officer's
or an earlier DM); at most ``MAX_LIVE_SELF_LINKS`` are live at once, each sent only to the
member's own Discord. Using any link sets the password, ends every session and voids
every other unused link of the account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from patt_identity.models import PasswordReset
from sv_common.auth.passwords import check_password_policy, hash_password_async
from sv_common.auth.service import normalise_username, revoke_all_tokens
from sv_common.errors import Conflict, ValidationFailed
from sv_common.identity import players as player_service
from sv_common.identity.models import DiscordUser, Player, User

if TYPE_CHECKING:
    from patt_host import HostAPI

# The DM switch of reset links (common.discord_config.feature_password_reset_dm).
DM_FEATURE = "password_reset"
SHOWN_AS = "Password-reset link (hidden)"
INVALID = "This reset link is not valid any more (used, replaced or expired). Ask for a new one."
MAX_LIVE_SELF_LINKS = 3


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    created_by: str | None,
    lifetime: timedelta,
    created_by_player_id: int | None = None,
) -> tuple[str, PasswordReset] | None:
    """A new link for ``user_id``: an officer link voids the older officer link; a "forgot
    password" link voids nothing and is not made (None) while ``MAX_LIVE_SELF_LINKS`` are live."""
    # The account's row serialises links being issued at once: otherwise each would void
    # (or count) only the committed ones.
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    now = datetime.now(UTC)
    live = (
        PasswordReset.user_id == user_id,
        PasswordReset.kind == kind,
        PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > now,
    )
    if kind == "self":
        if await session.scalar(select(func.count()).where(*live)) >= MAX_LIVE_SELF_LINKS:
            return None
    else:
        await session.execute(update(PasswordReset).where(*live[:3]).values(used_at=now))
    token = secrets.token_urlsafe(32)
    row = PasswordReset(
        user_id=user_id,
        token_hash=token_hash(token),
        kind=kind,
        created_by=created_by,
        created_by_player_id=created_by_player_id,
        expires_at=now + lifetime,
    )
    session.add(row)
    await session.flush()
    return token, row


async def issue_for_player(
    session: AsyncSession,
    *,
    player_id: int,
    created_by: str,
    lifetime: timedelta,
    created_by_player_id: int | None,
) -> tuple[str, PasswordReset, Player]:
    """The officer's action: a link for the player's account (409 when they have none)."""
    player = await player_service.get_player(session, player_id)
    if player.website_user_id is None:
        raise Conflict(f"{player.display_name} has no account yet: send an invite instead.")
    user = await session.get(User, player.website_user_id)
    if user is None or not user.is_active:  # deleted by the member: a link could never be used
        raise Conflict(f"{player.display_name}'s account is closed.")
    issued = await issue(
        session,
        user_id=player.website_user_id,
        kind="officer",
        created_by=created_by,
        created_by_player_id=created_by_player_id,
        lifetime=lifetime,
    )
    if issued is None:  # pragma: no cover - only "self" links are ever refused
        raise Conflict("No reset link could be made.")
    token, row = issued
    return token, row, player


async def player_for_forgotten(session: AsyncSession, username: str) -> Player | None:
    """The player behind an active account with a Discord link (the only way to reach them), or None."""
    name = normalise_username(username)
    if not name:
        return None
    return await session.scalar(
        select(Player)
        .join(User, User.id == Player.website_user_id)
        .join(DiscordUser, DiscordUser.id == Player.discord_user_id)
        .where(User.email == name, User.is_active.is_(True))
    )


async def redeem(session: AsyncSession, *, token: str, password: str) -> User:
    """Set the new password with a valid link (single use) and end every session of the account."""
    now = datetime.now(UTC)
    row = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    )
    if row is None:
        raise ValidationFailed(INVALID, code="reset_invalid")
    # Locked in issue()'s order (the account, then its link), so the two never deadlock;
    # the link is re-read under the lock, so it is used once.
    user = await session.get(User, row.user_id, with_for_update=True)
    await session.refresh(row, with_for_update=True)
    if row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed(INVALID, code="reset_invalid")
    if user is None or not user.is_active:
        raise ValidationFailed(INVALID, code="reset_invalid")
    # The same rules as registration and a password change (a reset skipped the name checks).
    display_name = await session.scalar(select(Player.display_name).where(Player.website_user_id == user.id))
    check_password_policy(password, username=user.email, display_name=display_name)
    user.password_hash = await hash_password_async(password)
    # This link and the account's other live one (the other kind) are done: the password changed.
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    await session.flush()
    await revoke_all_tokens(session, user=user)
    return user


async def check(session: AsyncSession, token: str) -> bool:
    """Whether a link is still usable (the form says so before the member types a password)."""
    row = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    )
    return row is not None and row.used_at is None and row.expires_at > datetime.now(UTC)


def reset_message(site_title: str, url: str, hours: int, *, by_officer: bool) -> str:
    who = "An officer made" if by_officer else "You asked for"
    return (
        f"{who} a password-reset link for your {site_title} account:\n{url}\n"
        f"It works once and expires in {hours} hours. If you did not ask for it, ignore this message."
    )


def reset_url(host: HostAPI, token: str) -> str:
    return f"{host.settings.public_base_url}/reset-password?token={token}"
