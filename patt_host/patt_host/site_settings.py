"""Officer-edited site settings: the site declares them, the database stores the changes.

``Site.settings`` lists :class:`~patt_host.types.SiteSetting` objects with defaults; an
officer's edits on ``/admin/settings`` are kept in ``common.site_settings`` (one row per
changed key). Reading merges the two, so a site that never edits anything shows its defaults.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import DateTime, String, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base
from sv_common.errors import ValidationFailed

MAX_TEXT = 4000
MAX_INT = 1000


class SiteSettingValue(Base):
    __tablename__ = "site_settings"
    __table_args__ = {"schema": "common", "info": {"owner": "patt_host"}}

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    updated_by: Mapped[str | None] = mapped_column(String(100))


async def load(host: Any) -> dict[str, Any]:
    """Every declared setting: the stored value, else the site's default."""
    values = {s.key: s.default for s in host.site.settings}
    if not values:
        return values
    async with host.db.session() as session:
        rows = await session.execute(
            select(SiteSettingValue.key, SiteSettingValue.value).where(SiteSettingValue.key.in_(values))
        )
        values.update(dict(rows.all()))
    return values


async def changed_at(host: Any) -> datetime | None:
    """When an officer last saved a setting (None: never). Every save stamps ``updated_at``, so
    a cache built from the settings compares this to notice a save made in another process."""
    async with host.db.session() as session:
        return await session.scalar(select(func.max(SiteSettingValue.updated_at)))


def clean(setting: Any, raw: Any) -> Any:
    """Validate one submitted value for its kind (raises ValidationFailed naming the field)."""
    text = "" if raw is None else str(raw)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text) or len(text) > MAX_TEXT:
        raise ValidationFailed(f"{setting.label}: at most {MAX_TEXT} characters, no control characters.")
    text = text.strip()
    if setting.kind == "int":
        try:
            number = int(text)
        except ValueError:
            raise ValidationFailed(f"{setting.label}: enter a whole number.") from None
        if not 0 <= number <= MAX_INT:
            raise ValidationFailed(f"{setting.label}: between 0 and {MAX_INT}.")
        return number
    if setting.kind == "url" and text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationFailed(f"{setting.label}: a full link starting with https://.")
    if setting.kind != "textarea" and "\n" in text:
        raise ValidationFailed(f"{setting.label}: one line only.")
    return text.replace("\r\n", "\n")


async def seed_demo(session: Any, host: Any) -> list[str]:
    """``patt demo``: store each declared setting's ``demo`` value unless a value is stored
    already (an officer's edit wins); returns the labels of the settings stored now."""
    stored = []
    for setting in host.site.settings:
        if setting.demo is None:
            continue
        value = clean(setting, setting.demo)  # the site's own value, checked as an officer's would be
        added = await session.execute(
            insert(SiteSettingValue)
            .values(key=setting.key, value=value, updated_by="patt demo")
            .on_conflict_do_nothing(index_elements=[SiteSettingValue.key])
            .returning(SiteSettingValue.key)
        )
        if added.first() is not None:
            stored.append(setting.label)
    return stored


async def save(host: Any, submitted: dict[str, Any], *, updated_by: str | None) -> list[str]:
    """Store the submitted values of declared settings; returns the keys that changed."""
    declared = {s.key: s for s in host.site.settings}
    cleaned = {key: clean(declared[key], value) for key, value in submitted.items() if key in declared}
    current = await load(host)
    changed = [key for key, value in cleaned.items() if current.get(key) != value]
    if changed:
        async with host.db.session() as session:
            for key in changed:
                stmt = insert(SiteSettingValue).values(key=key, value=cleaned[key], updated_by=updated_by)
                await session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[SiteSettingValue.key],
                        set_={
                            "value": stmt.excluded.value,
                            "updated_by": updated_by,
                            "updated_at": func.now(),
                        },
                    )
                )
        await host.emit("site.settings_changed", keys=changed)
    return changed
