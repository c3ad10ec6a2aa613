"""The guild-sync plugin: the way real guild data enters the platform.

Blizzard roster and profile sync (a cron job, an officer trigger and ``patt jobs run``),
the companion's addon upload API with per-officer API keys, and the officers' sync pages.
The Blizzard client itself lives in :mod:`sv_common.blizzard` so other plugins reuse it.
Public for tests and other plugins: :mod:`patt_guild_sync.services.apikeys` (``create_api_key``).
"""
