"""The officers' dashboard: identity, Discord and job counts, each linking to where it is fixed."""

import re


def item(html: str, label: str) -> tuple[str, str, str]:
    """(count, href, severity) of the dashboard card with ``label``."""
    match = re.search(
        r'<a class="card dashboard-item severity-(\w+)" data-item="'
        + re.escape(label)
        + r'" href="([^"]+)">\s*'
        r'<span class="count">(.*?)</span>',
        html,
        re.S,
    )
    assert match, f"no dashboard card {label!r}"
    return match.group(3), match.group(2), match.group(1)


async def test_dashboard_counts_what_officers_must_deal_with(client, guild, log_in):
    officer = await guild.member("Officer")
    await guild.player("Newbie", rank="Member")  # no account yet
    await guild.invite(await guild.player("Invited", rank="Member"))
    await guild.character("Driftwood", class_name="Druid")  # nobody's character
    await log_in(client, officer)

    html = (await client.get("/admin")).text
    assert item(html, "Players without an account") == ("2", "/admin/players?filter=unregistered", "info")
    # The officer's own invite was used when registering, so one is open.
    assert item(html, "Open invites") == ("1", "/admin/invites", "info")
    assert item(html, "Characters not linked to a player") == ("1", "/admin/players?filter=unlinked", "warn")
    assert item(html, "Matching suggestions to review") == ("0", "/admin/matching", "ok")
    assert item(html, "Failed Discord notifications") == ("0", "/admin/notifications", "ok")
    assert item(html, "Failed job runs (recent 50)")[1:] == ("/admin/jobs", "ok")
    count, href, _ = item(html, "Last roster sync")
    assert (count, href) == ("never", "/admin/jobs")


async def test_members_never_see_the_dashboard(client, guild, log_in):
    await log_in(client, await guild.member("Member"))
    assert (await client.get("/admin")).status_code == 403
