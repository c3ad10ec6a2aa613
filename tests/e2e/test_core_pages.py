"""The base layout, theme and admin shell in a real browser."""

import pytest

pytestmark = pytest.mark.e2e

OFFICER = {"X-Sample-User": "Olga:4"}


async def test_layout_theme_and_slots(live_server, page, tmp_path):
    server = live_server(plugins=["sample"])
    response = await page.goto(server.url + "/sample/page")
    assert response.status == 200
    assert await page.text_content("#greeting") == "HELLO!"
    background = await page.evaluate("getComputedStyle(document.body).backgroundImage")
    assert "rgb(20, 20, 22)" in background  # the dark gradient of the theme
    gold = await page.evaluate("getComputedStyle(document.querySelector('h1')).color")
    assert gold == "rgb(212, 168, 75)"
    assert await page.is_visible("#sample-footer")
    await page.screenshot(path=str(tmp_path / "layout.png"), full_page=True)
    assert page.js_errors == []


async def test_mobile_navigation_toggle(live_server, browser):
    server = live_server(plugins=["sample"])
    context = await browser.new_context(viewport={"width": 390, "height": 800})
    page = await context.new_page()
    await page.goto(server.url + "/sample/page")
    assert not await page.is_visible("#site-nav a[href='/sample/page']")
    await page.click(".nav-toggle")
    assert await page.is_visible("#site-nav a[href='/sample/page']")
    assert await page.get_attribute(".nav-toggle", "aria-expanded") == "true"
    await context.close()


async def test_officer_runs_a_job_from_the_admin_page(live_server, browser):
    server = live_server(plugins=["sample"])
    context = await browser.new_context(extra_http_headers=OFFICER)
    page = await context.new_page()
    await page.goto(server.url + "/admin/jobs")
    button = page.locator('button.js-run-job[data-job="sample.count_items"]')
    await button.click()
    await page.wait_for_selector("#runs-table td.mono:text('sample.count_items')", timeout=10000)
    row = page.locator("#runs-table tbody tr").first
    assert "succeeded" in await row.inner_text() or "running" in await row.inner_text()
    await context.close()


async def test_error_page_is_themed(live_server, page):
    server = live_server(plugins=[])
    response = await page.goto(server.url + "/definitely-missing")
    assert response.status == 404
    assert await page.text_content("h1") == "Page not found"


async def test_officer_adds_a_season_and_flips_its_flags_at_phone_width(live_server, browser):
    """The host's seasons page at 390 px: one season per click, the answer under the season's
    name (on screen, no sideways scrolling), a refusal in words and in red, the checkbox on
    its label's line."""
    server = live_server(plugins=["sample"])
    context = await browser.new_context(viewport={"width": 390, "height": 844}, extra_http_headers=OFFICER)
    page = await context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url + "/admin/seasons")
    form = page.locator("#season-new")
    label, box = form.locator("label.checkbox"), form.locator("input[name=is_new_expansion]")
    label_box, check_box = await label.bounding_box(), await box.bounding_box()
    label_middle = label_box["y"] + label_box["height"] / 2
    check_middle = check_box["y"] + check_box["height"] / 2
    assert abs(label_middle - check_middle) < 4, (label_box, check_box)  # beside its words, not above
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/" in r.url else None)
    await form.locator("input[name=expansion_name]").fill("Midnight")
    await form.locator("input[name=season_number]").fill("1")
    await form.locator("input[name=start_date]").fill("2026-03-01")
    await form.locator("button[type=submit]").dblclick()
    await page.locator("#seasons-table tr[data-id]").wait_for(timeout=10000)  # the page reloaded
    assert len(posts) == 1, posts
    # The answer outlives the reload that shows the season (it went with the old page).
    added = form.locator("[role=status]:text-is('Added Midnight Season 1.')")
    await added.wait_for(timeout=5000)
    where = await added.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390, where

    row = page.locator("#seasons-table tr[data-id]").first
    await row.locator(".js-season-flag[data-field=is_active]").click()
    saved = row.locator("[role=status]:text-is('Saved.')")
    await saved.wait_for(timeout=10000)
    where = await saved.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390, where
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    await form.locator("input[name=expansion_name]").fill("Midnight")
    await form.locator("input[name=season_number]").fill("1")
    await form.locator("input[name=start_date]").fill("2026-04-01")
    await form.locator("button[type=submit]").click()
    refused = form.locator("[role=status]:text-is('Midnight Season 1 exists already.')")
    await refused.wait_for(timeout=10000)
    assert await refused.evaluate("(el) => getComputedStyle(el).color") == "rgb(248, 113, 113)"
    assert await form.locator("button[type=submit]").is_enabled()  # free to correct and retry

    # A name that only looks different (case, a zero-width space) is the same season; a start
    # date outside the game's lifetime is named; both beside the button, on screen at 390 px.
    status = form.locator("[role=status]")
    await form.locator("input[name=expansion_name]").fill("MIDNIGHT\u200b")
    await form.locator("button[type=submit]").click()
    await page.wait_for_function(
        "(el) => el.textContent === 'Midnight Season 1 exists already.' && !el.closest('form').querySelector('button').disabled",
        arg=await status.element_handle(),
        timeout=10000,
    )
    assert len(posts) == 3, posts  # the look-alike was sent, and refused
    await form.locator("input[name=season_number]").fill("2")
    await form.locator("input[name=start_date]").fill("2099-01-01")
    await form.locator("button[type=submit]").click()
    far = form.locator("[role=status]:has-text('five years from today')")
    await far.wait_for(timeout=10000)
    assert "start_date" in await far.inner_text()
    assert await far.evaluate("(el) => getComputedStyle(el).color") == "rgb(248, 113, 113)"
    where = await far.bounding_box()
    assert where["x"] >= 0 and where["x"] + where["width"] <= 390, where
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    assert await page.locator("#seasons-table tr[data-id]").count() == 1  # nothing was added
    assert errors == []
    await context.close()
