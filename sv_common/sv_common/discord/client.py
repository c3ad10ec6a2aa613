"""Getting a logged-in discord.py client for REST calls, in any process.

The bot process reuses its connected bot; a worker (or the CLI) logs in over REST only
(no gateway), does its work and closes. Jobs therefore run the same wherever the
scheduler puts them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discord


class DiscordUnavailable(RuntimeError):
    """Discord cannot be reached right now (no token, login failed, connection refused)."""


def client_is_usable(client: discord.Client | None) -> bool:
    """True for a client that has logged in and was not closed."""
    return client is not None and client.user is not None and not client.is_closed()


@asynccontextmanager
async def discord_rest_client(
    token: str | None,
    *,
    existing: discord.Client | None = None,
    max_ratelimit_timeout: float | None = 60.0,
) -> AsyncIterator[discord.Client]:
    """Yield ``existing`` when it is logged in, else a REST-only client logged in with ``token``.

    ``max_ratelimit_timeout``: a 429 asking to wait longer than this raises
    ``discord.RateLimited`` instead of blocking the job; callers record and retry later.
    """
    import aiohttp
    import discord

    if client_is_usable(existing):
        yield existing
        return
    if not token:
        raise DiscordUnavailable("The Discord bot is off (DISCORD_BOT_TOKEN is not set).")
    # No gateway connection is made; discord.py still checks these before REST member listing.
    intents = discord.Intents(guilds=True, members=True)
    client = discord.Client(intents=intents, max_ratelimit_timeout=max_ratelimit_timeout)
    try:
        try:
            await client.login(token)
        except discord.LoginFailure as exc:
            raise DiscordUnavailable("Discord login failed (check DISCORD_BOT_TOKEN).") from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DiscordUnavailable(f"Discord is unreachable: {type(exc).__name__}") from exc
        yield client
    finally:
        await client.close()
