"""Entry images: the share links officers paste, turned into URLs an ``<img>`` can show.

Officers copy what a host's "Share" button gives them, which is usually a web page about the
file, not the image: a Google Drive viewer, a Dropbox preview, an Imgur page, a GitHub file
view. Each known shape is rewritten to the host's direct form; a shape that cannot be one
image (a Drive folder, an Imgur album) is refused with what to paste instead. Anything else
must already be an https URL and is kept as given (it is shown, never fetched by the server).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

MAX_LENGTH = 2000
_DRIVE_ID = re.compile(r"^[A-Za-z0-9_-]{10,200}$")
_IMGUR_ID = re.compile(r"^[A-Za-z0-9]{5,10}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class ImageLinkError(ValueError):
    """The link cannot be shown as an image; the message says what to paste instead."""


def _drive_id(path: str, query: dict[str, list[str]]) -> str | None:
    match = re.match(r"^/(?:a/[^/]+/)?file/d/([^/]+)", path)
    if match:
        return match.group(1)
    if path in ("/open", "/uc", "/thumbnail") and query.get("id"):
        return query["id"][0]
    return None


def _google_drive(host: str, path: str, query: dict[str, list[str]]) -> str | None:
    if host == "drive.google.com" or host == "docs.google.com":
        if path.startswith("/drive/folders/") or path.startswith("/drive/u/"):
            raise ImageLinkError(
                "That is a Google Drive folder: open the image itself and copy its share link."
            )
        file_id = _drive_id(path, query)
        if file_id is None or not _DRIVE_ID.match(file_id):
            raise ImageLinkError("That Google Drive link does not name a file: copy the image's share link.")
        # The viewer page is HTML; the thumbnail endpoint serves the image of a publicly
        # shared file (uc?export=view is no longer reliable for embedding).
        return f"https://drive.google.com/thumbnail?id={file_id}&sz=w1600"
    return None


def _dropbox(host: str, path: str, query: dict[str, list[str]]) -> str | None:
    if host not in ("dropbox.com", "www.dropbox.com"):
        return None
    if path.startswith("/sh/") or (path.startswith("/scl/fo/")):
        raise ImageLinkError("That is a Dropbox folder: share the image file itself and paste its link.")
    if not (path.startswith("/s/") or path.startswith("/scl/fi/")):
        raise ImageLinkError("That Dropbox link is not a shared file: use the file's Share > Copy link.")
    # raw=1 serves the file itself; the rlkey of newer links must stay.
    kept = {k: v[0] for k, v in query.items() if k == "rlkey"}
    kept["raw"] = "1"
    return urlunsplit(("https", "www.dropbox.com", path, urlencode(kept), ""))


def _imgur(host: str, path: str) -> str | None:
    if host == "i.imgur.com":
        return None  # already the image
    if host not in ("imgur.com", "www.imgur.com", "m.imgur.com"):
        return None
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] in ("a", "gallery", "t", "r", "user"):
        raise ImageLinkError(
            "That is an Imgur album or gallery: open one image and copy its direct link (i.imgur.com/…)."
        )
    if len(parts) != 1:
        raise ImageLinkError("That Imgur link is not one image: copy the image's page or direct link.")
    image_id = parts[0].rsplit(".", 1)[0]
    if not _IMGUR_ID.match(image_id):
        raise ImageLinkError("That Imgur link is not one image: copy the image's page or direct link.")
    return f"https://i.imgur.com/{image_id}.png"  # Imgur serves the image whatever the extension


def _github(host: str, path: str) -> str | None:
    if host not in ("github.com", "www.github.com"):
        return None
    match = re.match(r"^/([^/]+)/([^/]+)/(?:blob|raw)/(.+)$", path)
    if not match:
        raise ImageLinkError("That GitHub link is not a file: open the image file and copy its address.")
    owner, repo, rest = match.groups()
    return f"https://raw.githubusercontent.com/{owner}/{repo}/{rest}"


def displayable_image_url(value: str) -> str:
    """The URL to show for ``value`` (a direct image URL or a known host's share link).

    Raises :class:`ImageLinkError` with a message for the officer when it cannot be one.
    """
    url = value.strip()
    if not url:
        raise ImageLinkError("An image link is empty.")
    if len(url) > MAX_LENGTH or _CONTROL.search(url):
        raise ImageLinkError(f"An image link is one line of at most {MAX_LENGTH} characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ImageLinkError("An image link must be a web address (https://…).")
    if parts.username or parts.password:
        raise ImageLinkError("An image link must not carry a user name or password.")
    host = parts.hostname.lower()
    query = parse_qs(parts.query)
    for convert in (
        lambda: _google_drive(host, parts.path, query),
        lambda: _dropbox(host, parts.path, query),
        lambda: _imgur(host, parts.path),
        lambda: _github(host, parts.path),
    ):
        converted = convert()
        if converted is not None:
            return converted
    if scheme != "https":
        # The site is served over https: a plain-http image is blocked as mixed content.
        raise ImageLinkError("An image link must use https:// (browsers block http images on this site).")
    return url
