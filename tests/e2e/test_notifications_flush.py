""" "Send pending now" on /admin/notifications at 390 px with a backlog Discord paces: the request
answers "still running" within its bound (it once waited for the whole batch, past a proxy's
timeout), and the answer beside the button follows the run to its final counts."""

import re

import pytest

from patt_host.testing import no_horizontal_overflow
from patt_host.testing.discord import ANNOUNCE_CHANNEL_ID, discord_host
from patt_host.testing.live import LiveServer
from sv_common import notify

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
OFFICER = {"X-Sample-User": "Olga:4"}
POSTS = r"/channels/\d+/messages"
BACKLOG = [f"message {n}" for n in range(1, 6)]


async def test_send_pending_now_says_still_sending_then_the_counts(make_host, fake_discord, db, browser):
    host = discord_host(make_host, plugins=["sample"])
    host.plugin("discord").obj.settings.flush_wait_seconds = 0.5
    server = LiveServer(host).start()
    context = await browser.new_context(viewport=PHONE, extra_http_headers=OFFICER)
    try:
        notify.set_delivery_trigger(None)  # queued, not sent at commit: the button sends them
        # One post a second in a channel: five take four seconds, past the half-second bound.
        fake_discord.set_rate_limit("POST", POSTS, limit=1, window=1.0)
        async with db.session() as session:
            for text in BACKLOG:
                await notify.post_channel(
                    session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
                )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{server.url}/admin/notifications")
        assert await page.locator("#outbox tr.outbox-pending").count() == len(BACKLOG)
        # Every answer the box shows, in order.
        await page.evaluate(
            """() => {
              const box = document.getElementById("flush-result");
              window.shown = [];
              new MutationObserver(() => window.shown.push(box.textContent)).observe(box, { childList: true });
            }"""
        )
        async with page.expect_response("**/api/v1/notifications/flush") as answered:
            await page.click("#flush")
        assert (await answered.value).status == 202
        result = page.locator("#flush-result")
        await result.filter(has_text=re.compile(r"^Sent 5, failed 0\.$")).wait_for(timeout=20_000)
        shown = await page.evaluate("window.shown")
        assert shown[0] == "Sending…" and "Still sending (Discord paces the messages)…" in shown, shown
        progress = [int(m[1]) for m in (re.fullmatch(r"Sending… (\d+) sent so far\.", t) for t in shown) if m]
        assert all(0 <= n < len(BACKLOG) for n in progress) and progress == sorted(progress), shown
        assert await page.locator("#outbox tr.outbox-sent").count() == len(BACKLOG)
        assert await page.locator('#outbox-counts [data-status="sent"]').get_attribute("data-count") == "5"
        assert [m["content"] for m in fake_discord.messages_in(ANNOUNCE_CHANNEL_ID)] == BACKLOG
        # The answer sits beside the button, on the screen, and the page does not scroll sideways.
        button, answer = await page.locator("#flush").bounding_box(), await result.bounding_box()
        assert abs(answer["y"] - button["y"]) < 60 and answer["x"] + answer["width"] <= PHONE["width"]
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
        server.stop()


async def test_retry_says_queued_beside_its_row_after_the_page_reloads(make_host, fake_discord, db, browser):
    """Retry reloads the page to show the row queued again; its "Queued" went with the old page
    (and a refusal replaced the button's label for good)."""
    from sqlalchemy import update

    from sv_common.notify.models import NotificationOutbox

    host = discord_host(make_host, plugins=["sample"])
    server = LiveServer(host).start()
    context = await browser.new_context(viewport=PHONE, extra_http_headers=OFFICER)
    try:
        notify.set_delivery_trigger(None)  # the retried rows stay queued: nothing sends them
        async with db.session() as session:
            for text in BACKLOG[:2]:
                await notify.post_channel(
                    session, channel_id=ANNOUNCE_CHANNEL_ID, content=text, feature="announce"
                )
            await session.execute(
                update(NotificationOutbox).values(status="failed", last_error="Missing Access")
            )
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{server.url}/admin/notifications")
        first, second = [
            await row.get_attribute("data-id") for row in await page.locator("#outbox tr[data-id]").all()
        ]
        row = page.locator(f'#outbox tr[data-id="{first}"]')
        async with page.expect_navigation():
            await row.locator("button.js-retry").click()
        await row.locator("td", has_text="pending").wait_for(timeout=5000)  # the reloaded page
        answer = row.locator("[role=status]:text-is('Queued for another try.')")
        await answer.wait_for(timeout=5000)
        place = await answer.bounding_box()
        assert place["x"] >= 0 and place["x"] + place["width"] <= PHONE["width"], place  # scrolled to
        assert await row.locator("button.js-retry").count() == 0

        # Listing only failed rows, the retried row leaves the list: the answer goes beside
        # "Send pending now".
        await page.goto(f"{server.url}/admin/notifications?status=failed")
        async with page.expect_navigation():
            await page.locator(f'#outbox tr[data-id="{second}"] button.js-retry').click()
        queued = page.locator("#flush-result", has_text=f"Notification #{second} is queued for another try.")
        await queued.wait_for(timeout=5000)
        assert await page.locator("#outbox tr[data-id]").count() == 0
        assert await no_horizontal_overflow(page)
        assert errors == []
    finally:
        await context.close()
        server.stop()
