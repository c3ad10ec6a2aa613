"""The durable queue and delivery against a loopback site: retries, backoff, never twice."""

import json

import pytest
from fake_site import API_KEY, FakeSite

from patt_companion.client import SiteClient
from patt_companion.export import build_export
from patt_companion.queue import UploadQueue, backoff_seconds
from patt_companion.sync import Companion


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def export_at(export_time: int, members: int = 3):
    characters = [{"name": f"Char{i}", "note": f"note {i}"} for i in range(members)]
    return build_export({"PATTSyncDB": {"lastExport": {"exportTime": export_time, "characters": characters}}})


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def queue(tmp_path, clock):
    q = UploadQueue(tmp_path / "queue.sqlite3", clock=clock)
    yield q
    q.close()


def companion_for(queue, site: FakeSite, key: str = API_KEY) -> Companion:
    return Companion(queue, lambda: SiteClient(site.url, key, timeout=5))


def test_enqueue_dedupes_and_supersedes(queue):
    first, message = queue.enqueue("/wow/PATTSync.lua", export_at(100))
    assert first is not None and message == "queued" and first.state == "pending"
    assert queue.enqueue("/wow/PATTSync.lua", export_at(100)) == (None, "export already pending")
    newer, _ = queue.enqueue("/wow/PATTSync.lua", export_at(200))
    assert queue.get(first.id).state == "superseded" and newer.state == "pending"
    assert (
        queue.enqueue("/wow/PATTSync.lua", export_at(150))[1] == "older than an export already queued or sent"
    )
    other, _ = queue.enqueue("/wow/OtherAccount/PATTSync.lua", export_at(150))
    assert other is not None
    assert queue.counts() == {"pending": 2, "superseded": 1}


def test_backoff_doubles_up_to_the_cap():
    for attempt in range(1, 15):
        delay = backoff_seconds(attempt, base=5, cap=3600)
        expected = min(3600, 5 * 2 ** (attempt - 1))
        assert 0.8 * expected <= delay <= 1.2 * expected


def test_delivery_retries_with_backoff_then_sends_once(queue, clock, fake_site):
    upload, _ = queue.enqueue("/wow/PATTSync.lua", export_at(100))
    companion = companion_for(queue, fake_site)
    fake_site.fail_next(503, 500)
    [(_, outcome)] = companion.deliver()
    assert not outcome.ok and outcome.retry and "HTTP 503" in outcome.message
    first = queue.get(upload.id)
    assert first.attempts == 1 and 4 <= first.next_attempt_at - clock.now <= 6
    assert companion.deliver() == []  # not due yet
    clock.now = first.next_attempt_at
    [(_, outcome)] = companion.deliver()
    second = queue.get(upload.id)
    assert second.attempts == 2 and 8 <= second.next_attempt_at - clock.now <= 12
    clock.now = second.next_attempt_at
    [(_, outcome)] = companion.deliver()
    assert outcome.ok
    sent = queue.get(upload.id)
    assert sent.state == "sent" and sent.attempts == 3 and sent.last_error is None
    assert json.loads(sent.result)["data"]["updated"] == 3
    clock.now += 10_000
    assert companion.deliver() == []
    assert len(fake_site.uploads) == 1


def test_queue_survives_a_restart(tmp_path, clock, fake_site):
    path = tmp_path / "queue.sqlite3"
    first = UploadQueue(path, clock=clock)
    first.enqueue("/wow/PATTSync.lua", export_at(100))
    first.close()
    again = UploadQueue(path, clock=clock)
    [(upload, outcome)] = companion_for(again, fake_site).deliver()
    assert outcome.ok and upload.export_time == 100
    again.close()
    third = UploadQueue(path, clock=clock)
    assert companion_for(third, fake_site).deliver() == []
    assert third.counts() == {"sent": 1}
    third.close()
    assert len(fake_site.uploads) == 1


def test_a_claimed_upload_is_not_sent_by_a_second_companion(tmp_path, clock, fake_site):
    path = tmp_path / "queue.sqlite3"
    one, two = UploadQueue(path, clock=clock), UploadQueue(path, clock=clock)
    one.enqueue("/wow/PATTSync.lua", export_at(100))
    claimed = one.claim_due()
    assert claimed is not None and two.claim_due() is None
    assert companion_for(two, fake_site).deliver() == []
    one.mark_sent(claimed.id, {"ok": True})
    one.mark_failed(claimed.id, "late failure", retry=True)  # an acknowledged upload stays sent
    assert two.get(claimed.id).state == "sent"
    one.close()
    two.close()


def test_unreachable_server_keeps_the_upload(queue, clock, fake_site):
    queue.enqueue("/wow/PATTSync.lua", export_at(100))
    url = fake_site.url
    fake_site.stop()
    companion = Companion(queue, lambda: SiteClient(url, API_KEY, timeout=2))
    [(upload, outcome)] = companion.deliver()
    assert outcome.retry and "cannot reach" in outcome.message
    assert queue.get(upload.id).state == "pending"


def test_bad_key_is_retried_and_invalid_body_rejected(queue, clock, fake_site):
    first, _ = queue.enqueue("/wow/A/PATTSync.lua", export_at(100))
    [(_, outcome)] = companion_for(queue, fake_site, key="wrong").deliver()
    assert outcome.retry and "HTTP 401" in outcome.message and "patt-companion setup" in outcome.message
    assert queue.retry_now() == 1
    fake_site.fail_next(422)
    [(_, outcome)] = companion_for(queue, fake_site).deliver()
    assert not outcome.ok and not outcome.retry
    assert queue.get(first.id).state == "rejected"


def test_retry_after_is_honoured(queue, clock, fake_site):
    upload, _ = queue.enqueue("/wow/PATTSync.lua", export_at(100))
    fake_site.fail_next(429, headers={"Retry-After": "120"})
    companion_for(queue, fake_site).deliver()
    assert queue.get(upload.id).next_attempt_at - clock.now >= 120


def test_delivery_stops_at_a_server_failure(queue, clock, fake_site):
    queue.enqueue("/wow/A/PATTSync.lua", export_at(100))
    queue.enqueue("/wow/B/PATTSync.lua", export_at(100))
    fake_site.fail_next(502)
    results = companion_for(queue, fake_site).deliver()
    assert len(results) == 1  # the second waits for the backoff instead of hammering the server
    assert queue.counts() == {"pending": 2}
