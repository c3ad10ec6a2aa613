"""Entry image links: share links as officers paste them (real shapes from each host's Share
button) become URLs an <img> can show; links that cannot be one image are refused with advice."""

from __future__ import annotations

import pytest

from patt_voting.services.images import ImageLinkError, displayable_image_url

CONVERTED = [
    # Google Drive: the viewer page, "anyone with the link", the old open?id= and uc forms.
    (
        "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view?usp=sharing",
        "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600",
    ),
    (
        "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view?usp=drive_link",
        "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600",
    ),
    (
        "https://drive.google.com/open?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600",
    ),
    (
        "https://drive.google.com/uc?export=download&id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600",
    ),
    (
        "https://drive.google.com/a/example.org/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view",
        "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600",
    ),
    # Dropbox: old /s/ links and new /scl/fi/ links (their rlkey must stay), dl=0 -> raw=1.
    (
        "https://www.dropbox.com/s/a1b2c3d4e5f6g7h/transmog.png?dl=0",
        "https://www.dropbox.com/s/a1b2c3d4e5f6g7h/transmog.png?raw=1",
    ),
    (
        "https://www.dropbox.com/scl/fi/x7y8z9abcdefghijk/transmog%20night.jpg?rlkey=abc123def456&st=q1w2e3r4&dl=0",
        "https://www.dropbox.com/scl/fi/x7y8z9abcdefghijk/transmog%20night.jpg?rlkey=abc123def456&raw=1",
    ),
    # Imgur: the image's page, the mobile page, a direct link with another extension.
    ("https://imgur.com/Ab3dE9x", "https://i.imgur.com/Ab3dE9x.png"),
    ("https://m.imgur.com/Ab3dE9x", "https://i.imgur.com/Ab3dE9x.png"),
    ("https://imgur.com/Ab3dE9x.jpeg", "https://i.imgur.com/Ab3dE9x.png"),
    # GitHub: a file's page -> its raw content.
    (
        "https://github.com/guild/art/blob/main/contest/entry-1.png",
        "https://raw.githubusercontent.com/guild/art/main/contest/entry-1.png",
    ),
]

KEPT = [
    "https://i.imgur.com/Ab3dE9x.jpg",
    "https://cdn.example.org/images/entry.webp?v=2",
    "https://raw.githubusercontent.com/guild/art/main/contest/entry-1.png",
    "  https://img.test/a.png  ",
]

REFUSED = [
    ("https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOpQrStUvWx", "Google Drive folder"),
    ("https://drive.google.com/file/d/x/view", "does not name a file"),
    ("https://www.dropbox.com/scl/fo/abcdefghijk/AAAbbbCCC?rlkey=xyz&dl=0", "Dropbox folder"),
    ("https://www.dropbox.com/home/Pictures", "not a shared file"),
    ("https://imgur.com/a/Q1w2E3r", "Imgur album"),
    ("https://imgur.com/gallery/Q1w2E3r", "Imgur album"),
    ("https://github.com/guild/art", "not a file"),
    ("http://cdn.example.org/a.png", "https://"),
    ("javascript:alert(1)", "web address"),
    ("data:image/png;base64,AAAA", "web address"),
    ("https://user:secret@cdn.example.org/a.png", "password"),
    ("https://cdn.example.org/a b.png", "one line"),
    ("https://cdn.example.org/" + "a" * 2000, "at most 2000"),
    ("", "empty"),
]


@pytest.mark.parametrize(("pasted", "shown"), CONVERTED)
def test_share_links_become_direct_image_urls(pasted, shown):
    assert displayable_image_url(pasted) == shown


@pytest.mark.parametrize("pasted", KEPT)
def test_direct_https_links_are_kept(pasted):
    assert displayable_image_url(pasted) == pasted.strip()


@pytest.mark.parametrize(("pasted", "why"), REFUSED)
def test_links_that_cannot_be_one_image_are_refused_with_advice(pasted, why):
    with pytest.raises(ImageLinkError, match=why):
        displayable_image_url(pasted)


async def test_the_admin_api_and_form_store_the_converted_link(api, officer):
    draft = await officer.campaign(activate=False)
    entry = draft["entries"][0]["id"]
    drive = "https://drive.google.com/file/d/1AbCdEfGhIjKlMnOpQrStUvWxYz012345/view?usp=sharing"
    edited = await officer.call("PATCH", f"/api/v1/admin/campaign-entries/{entry}", json={"image_url": drive})
    assert (
        edited["image_url"]
        == "https://drive.google.com/thumbnail?id=1AbCdEfGhIjKlMnOpQrStUvWxYz012345&sz=w1600"
    )
    refused = await api.patch(
        f"/api/v1/admin/campaign-entries/{entry}",
        json={"image_url": "https://imgur.com/a/Q1w2E3r"},
        headers=officer.voter.auth,
    )
    assert refused.status_code == 422 and "Imgur album" in refused.text
    # The officers' page form converts too (the same schema).
    form = await api.post(
        f"/admin/campaigns/{draft['id']}/entries",
        data={"name": "Dropboxed", "image_url": "https://www.dropbox.com/s/a1b2c3d4e5f6g7h/t.png?dl=0"},
        headers=officer.voter.auth,
    )
    assert form.status_code == 303
    page = await api.get(f"/admin/campaigns/{draft['id']}", headers=officer.voter.auth)
    assert 'value="https://www.dropbox.com/s/a1b2c3d4e5f6g7h/t.png?raw=1"' in page.text
