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
