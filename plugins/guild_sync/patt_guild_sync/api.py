"""The guild-sync JSON API.

The officers' routes under ``/api/v1/admin/guild-sync`` (rank checked on every route): status,
trigger, pending removals, companion API keys.

The companion's addon upload: ``POST /api/guild-sync/addon-upload`` (and ``/api/v1/...``).

Authenticated by ``X-API-Key`` (see :mod:`patt_guild_sync.services.apikeys`), never by a cookie,
so the host's CSRF check does not apply. The body is read with a size cap before it is
parsed; every entry is validated before anything is written; the writes happen in one
transaction; events go out after the commit.
"""

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from patt_guild_sync.models import SOURCE_ADDON, SyncLog
from patt_guild_sync.schemas import ApiKeyCreate, SyncTrigger, upload_body_schema
from patt_guild_sync.services import status as status_service
from patt_guild_sync.services.apikeys import create_api_key, list_api_keys, revoke_api_key, verify_api_key
from patt_guild_sync.services.control import confirm_removal, dismiss_removal, start_sync
from patt_guild_sync.services.errors import PayloadTooLarge
from patt_guild_sync.services.upload import apply_upload, validate_upload
from patt_guild_sync.state import GuildSyncState, StateDep
from patt_host.web import HostDep, Officer, SessionDep, body_limit, ok, require_officer
from sv_common.errors import RateLimited, Unauthorized, ValidationFailed

API_KEY_HEADER = "X-API-Key"
# Declared as a security dependency so OpenAPI names the header (auto_error off: our own 401).
ApiKey = Annotated[
    str | None, Security(APIKeyHeader(name=API_KEY_HEADER, scheme_name="AddonApiKey", auto_error=False))
]

MAX_UPLOAD_LIMIT = 50_000_000  # the highest upload_max_bytes its settings allow
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def read_json(request: Request, max_bytes: int) -> Any:
    """The JSON body, refusing (413) anything over ``max_bytes`` before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The upload is larger than {max_bytes // 1000} kB.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The upload is larger than {max_bytes // 1000} kB.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        raise ValidationFailed("The body is not valid JSON.") from None


def _ip_key(request: Request) -> str:
    ip = request.client.host if request.client else "unknown"
    return "guild_sync:badkey:" + hashlib.sha256(ip.encode()).hexdigest()[:24]


async def authenticate_upload(
    session: AsyncSession, request: Request, state: GuildSyncState, api_key: str | None, *, officer_level: int
):
    """The API key row behind the request; an IP past its free failed attempts waits (429)."""
    ip_key = _ip_key(request)
    await state.key_failures.check(ip_key)  # before the key is checked: no guess gets through
    try:
        return await verify_api_key(session, api_key, officer_level=officer_level)
    except Unauthorized:
        await state.key_failures.failed(ip_key)
        raise


def upload_router() -> APIRouter:
    router = APIRouter(tags=["guild sync: addon upload"])

    async def upload(
        request: Request, session: SessionDep, host: HostDep, state: StateDep, api_key: ApiKey = None
    ):
        """Apply an addon export: notes and last-seen per character, all or nothing.

        Body: ``{characters: [{name, realm, class, level, rank, rank_name, guild_note,
        officer_note, is_online, last_online, zone, ...}], addon_version, uploaded_by}``.
        A bad entry makes the whole upload a 422 naming every bad entry; nothing is saved.
        """
        settings = state.settings
        key = await authenticate_upload(session, request, state, api_key, officer_level=host.officer_level)
        try:
            await state.limiter.hit(
                f"guild_sync:upload:{key.id}", limit=settings.uploads_per_key_per_hour, window_seconds=3600
            )
        except RateLimited as exc:
            raise RateLimited(
                "Too many uploads with this key; try again later.", retry_after=exc.retry_after
            ) from None
        body = await read_json(request, settings.upload_max_bytes)
        envelope, entries = validate_upload(body, max_characters=settings.upload_max_characters)
        report = await apply_upload(
            session,
            envelope,
            entries,
            key_id=key.id,
            key_owner=key.player_id,
            default_realm=settings.guild_realm_slug,
        )
        await session.commit()  # all or nothing, and before the events: listeners read it
        for name, data in report.events:
            await host.emit(name, **data)
        # Closes the upload's events (listeners such as drift scan once, after it committed).
        await host.emit("addon.uploaded", sync_log_id=report.log_id, updated=report.count("updated"))
        return ok(report.as_dict())

    async def upload_status(session: SessionDep):
        """When the last upload was processed (the original's status call, now key-free but data-free)."""
        last = await session.scalar(
            select(SyncLog.completed_at)
            .where(SyncLog.source == SOURCE_ADDON)
            .order_by(SyncLog.id.desc())
            .limit(1)
        )
        return ok({"last_upload": last})

    for prefix, suffix in (("/api/guild-sync", ""), ("/api/v1/guild-sync", "_v1")):
        # Past the host's default body limit; read_json enforces PATT_GUILD_SYNC_UPLOAD_MAX_BYTES.
        router.add_api_route(
            f"{prefix}/addon-upload",
            upload,
            methods=["POST"],
            name=f"addon_upload{suffix}",
            openapi_extra={
                **body_limit(MAX_UPLOAD_LIMIT),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": upload_body_schema()}},
                },
            },
        )
        router.add_api_route(
            f"{prefix}/addon-upload/status",
            upload_status,
            methods=["GET"],
            name=f"addon_upload_status{suffix}",
        )
    return router


def admin_router() -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/admin/guild-sync",
        tags=["admin: guild sync"],
        dependencies=[Depends(require_officer)],
    )

    @router.get("/status", name="admin_sync_status")
    async def sync_status(session: SessionDep, state: StateDep):
        """Configuration, the running sync's progress, recent runs, pending removals, next run."""
        return ok(await status_service.overview(session, state.settings))

    @router.post("/sync", name="admin_sync_trigger", status_code=202)
    async def trigger(
        actor: Officer, session: SessionDep, host: HostDep, state: StateDep, body: SyncTrigger | None = None
    ):
        """Start a roster sync now (409 while one is running)."""
        started = await start_sync(
            session,
            host,
            state.settings,
            triggered_by=actor.display_name,
            player_id=actor.player_id,
            full=bool(body and body.full),
        )
        return ok(started, status_code=202)

    @router.post("/removals/{log_id}/confirm", name="admin_removal_confirm")
    async def confirm(log_id: RowId, actor: Officer, session: SessionDep, host: HostDep):
        """Apply the removals a guarded run held back (characters seen since are kept)."""
        return ok(
            await confirm_removal(
                session, host, log_id, confirmed_by=actor.display_name, player_id=actor.player_id
            )
        )

    @router.post("/removals/{log_id}/dismiss", name="admin_removal_dismiss")
    async def dismiss(log_id: RowId, actor: Officer, session: SessionDep):
        """Keep everyone: drop the pending removal."""
        return ok(
            await dismiss_removal(session, log_id, dismissed_by=actor.display_name, player_id=actor.player_id)
        )

    @router.get("/api-keys", name="admin_api_keys")
    async def keys(actor: Officer, session: SessionDep):
        """Every key's name, owner and use (never a secret or hash), and whether you may revoke it."""
        return ok(await list_api_keys(session, actor))

    @router.post("/api-keys", name="admin_api_key_create", status_code=201)
    async def create_key(body: ApiKeyCreate, actor: Officer, session: SessionDep):
        """Create a key for the calling officer; the secret is in this response only."""
        new = await create_api_key(session, name=body.name, player_id=actor.player_id)
        return ok(
            {"id": new.id, "name": new.name, "key": new.key, "key_prefix": new.key_prefix}, status_code=201
        )

    @router.delete("/api-keys/{key_id}", name="admin_api_key_revoke")
    async def revoke_key(key_id: RowId, actor: Officer, session: SessionDep):
        """Revoke your own key or one of a player ranked below you (operator keys: guild leader)."""
        row = await revoke_api_key(session, key_id, actor)
        return ok({"id": row.id, "revoked_at": row.revoked_at})

    return router
