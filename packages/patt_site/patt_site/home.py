"""PATT's home page: who we are, recruiting, schedule, officers, join links, plugin slots.

Texts, links, the schedule and the recruiting targets are officer-edited site settings
(``SETTINGS``, edited on /admin/settings). The identity plugin fills the recruiting and
officers sections, voting the ``home_vote`` slot, Mito's corner the ``home_quote`` slot.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from patt_host import LandingPage, SiteSetting

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LINE = re.compile(
    r"^\s*(?P<day>[A-Za-z]+)\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s+(?P<hours>\d+(?:\.\d+)?)h?\s*(?P<label>.*)$"
)

SETTINGS = [
    SiteSetting(
        "about_text",
        "Who we are",
        "We are a casual heroic raiding guild: real life comes first, nobody gets flamed for a wipe, "
        "and everyone who shows up and tries gets a seat. We raid two evenings a week and keep it fun.",
        kind="textarea",
    ),
    SiteSetting(
        "discord_invite_url",
        "Discord invite link",
        "",
        kind="url",
        help="Shown as “Join our Discord”.",
        demo="https://discord.gg/pattdemo",  # made up: `patt demo` has no real server to invite to
    ),
    SiteSetting("forum_url", "Recruitment post link", "", kind="url", help="e.g. the guild's forum post."),
    SiteSetting(
        "raid_schedule",
        "Weekly schedule",
        "Tuesday 20:00 3 Heroic raid\nThursday 20:00 3 Heroic raid",
        kind="textarea",
        help="One raid night per line: day, start (HH:MM), hours, what. Times in the schedule timezone. "
        "Shown while the raids plugin has no public weekly nights.",
    ),
    SiteSetting("schedule_timezone", "Schedule timezone", "America/New_York", help="e.g. America/New_York"),
    SiteSetting("target_tank", "Target: tanks", 2, kind="int"),
    SiteSetting("target_healer", "Target: healers", 4, kind="int"),
    SiteSetting("target_melee", "Target: melee DPS", 7, kind="int"),
    SiteSetting("target_ranged", "Target: ranged DPS", 7, kind="int"),
    SiteSetting(
        "raid_reminder_hours",
        "Raid reminder DM (hours before)",
        24,
        kind="int",
        help="Members still tentative get one DM this long before a raid; 0 = no reminders.",
    ),
]


def guild_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_schedule(text: str, zone_name: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Schedule lines -> entries with the next start as an aware UTC datetime.

    A line that does not parse is kept as plain text (``next_start`` None) rather than
    silently dropped, so officers see what they typed.
    """
    zone = guild_zone(zone_name)
    local_now = (now or datetime.now(UTC)).astimezone(zone)
    entries = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = LINE.match(line)
        day = next((i for i, d in enumerate(DAYS) if match and d.startswith(match["day"].lower()[:3])), None)
        if match is None or day is None or int(match["h"]) > 23 or int(match["m"]) > 59:
            entries.append({"text": line.strip(), "next_start": None})
            continue
        start = local_now.replace(hour=int(match["h"]), minute=int(match["m"]), second=0, microsecond=0)
        start += timedelta(days=(day - local_now.weekday()) % 7)
        if start < local_now - timedelta(hours=float(match["hours"])):
            start += timedelta(days=7)
        entries.append(
            {
                "text": f"{DAYS[day].capitalize()} {start:%H:%M}",
                "label": match["label"].strip() or "Raid",
                "hours": float(match["hours"]),
                "next_start": start.astimezone(UTC),
                "zone": zone.key,
            }
        )
    return entries


class PattHome(LandingPage):
    async def home_context(self, request, host) -> dict[str, Any]:
        settings = await host.site_settings()
        return {
            "settings": settings,
            "schedule": parse_schedule(
                settings.get("raid_schedule", ""), settings.get("schedule_timezone", "")
            ),
        }
