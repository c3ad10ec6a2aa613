"""The ``patt-companion`` command line: setup, watch, upload, status, parse, find."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import threading
from datetime import datetime
from pathlib import Path

from patt_companion import __version__
from patt_companion.client import SiteClient
from patt_companion.config import Config, ConfigError, config_path, load_config, queue_path, save_config
from patt_companion.discovery import candidate_files, find_saved_variables
from patt_companion.export import NoExportError, build_export
from patt_companion.luaparse import SavedVariablesError, read_saved_variables
from patt_companion.queue import UploadQueue
from patt_companion.sync import Companion, summarize_result
from patt_companion.watch import watch

EXIT_OK, EXIT_PENDING, EXIT_ERROR, EXIT_CONFIG = 0, 1, 2, 3


def _say(message: str) -> None:
    print(message, flush=True)


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return code


def _ago(timestamp: float | None) -> str:
    if not timestamp:
        return "never"
    local = datetime.fromtimestamp(timestamp).astimezone()
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _watched_files(config: Config) -> list[Path]:
    """The configured files, else every account's SavedVariables/PATTSync.lua (existing or not yet)."""
    if config.saved_variables:
        return [Path(p).expanduser() for p in config.saved_variables]
    return candidate_files()


def _announce(files: list[Path]) -> None:
    for f in files:
        _say(f"watching {f}" + ("" if f.exists() else " (appears after the first /reload in game)"))


def _companion(config: Config) -> Companion:
    queue = UploadQueue(queue_path())
    factory = None
    if config.complete:
        url, key = config.url, config.api_key
        factory = lambda: SiteClient(url, key)  # noqa: E731 - a deferred constructor
    return Companion(queue, factory)


def cmd_parse(args: argparse.Namespace) -> int:
    try:
        export = build_export(read_saved_variables(Path(args.file)))
    except (SavedVariablesError, NoExportError) as exc:
        return _fail(str(exc))
    json.dump(export.body, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    try:
        config = load_config()
    except ConfigError:
        config = Config()
    interactive = sys.stdin.isatty() and not args.yes
    url = args.url or config.url
    key = args.api_key or config.api_key
    if interactive:
        url = input(f"Site URL [{url or 'https://...'}]: ").strip() or url
        key = getpass.getpass("API key (from the site's guild-sync page; input hidden): ").strip() or key
    if not url or not key:
        return _fail("the site URL and the API key are both needed (--url, --api-key)", EXIT_CONFIG)
    with SiteClient(url, key, timeout=15) as client:
        outcome = client.check()
    if not outcome.ok:
        return _fail(f"{url}: {outcome.message}; nothing saved", EXIT_CONFIG)
    config.url, config.api_key = url, key
    if args.file:
        config.saved_variables = [str(Path(f).expanduser().resolve()) for f in args.file]
    path = save_config(config)
    _say(f"{outcome.message}. Saved {path}")
    files = _watched_files(config)
    if files:
        _announce(files)
    else:
        _say("no World of Warcraft account folder found: pass --file with the path of PATTSync.lua")
    queue = UploadQueue(queue_path())
    waiting = queue.retry_now()
    queue.close()
    if waiting:
        _say(f"{waiting} queued upload(s) will be retried now")
    return EXIT_OK


def _load(args: argparse.Namespace) -> Config | int:
    try:
        return load_config()
    except ConfigError as exc:
        return _fail(str(exc), EXIT_CONFIG)


def cmd_upload(args: argparse.Namespace) -> int:
    config = _load(args)
    if isinstance(config, int):
        return config
    companion = _companion(config)
    try:
        result = companion.ingest(Path(args.file), force=True)
        _say(f"{result.path}: {result.message}")
        if result.error:
            return EXIT_ERROR
        if not config.complete:
            _say("not sent: run `patt-companion setup` first (the export stays queued)")
            return EXIT_PENDING
        code = EXIT_OK
        for upload, outcome in companion.deliver():
            _say(f"upload #{upload.id} ({upload.member_count} members): {outcome.message}")
            if not outcome.ok:
                code = EXIT_PENDING if outcome.retry else EXIT_ERROR
        if companion.queue.counts().get("pending"):
            _say("some uploads are still queued; `patt-companion watch` keeps retrying them")
            code = code or EXIT_PENDING
        return code
    finally:
        companion.queue.close()


def cmd_watch(args: argparse.Namespace) -> int:
    config = _load(args)
    if isinstance(config, int):
        return config
    if not config.complete:
        return _fail("run `patt-companion setup` first", EXIT_CONFIG)
    files = _watched_files(config)
    if not files:
        return _fail(
            "no PATTSync.lua found; log in with the addon and /reload, or run setup --file", EXIT_CONFIG
        )
    for f in files:
        _say(f"watching {f}")
    companion = _companion(config)
    stop = threading.Event()
    try:
        watch(
            companion,
            files,
            stop=stop,
            poll_interval=args.poll or config.poll_interval,
            use_events=not args.no_events,
            notify=_say,
        )
    except KeyboardInterrupt:
        stop.set()
    finally:
        companion.queue.close()
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    config = _load(args)
    if isinstance(config, int):
        return config
    _say(f"config: {config_path()}")
    _say(f"site: {config.url or '(not set up)'}; API key: {'set' if config.api_key else 'missing'}")
    for f in _watched_files(config):
        _say(f"file: {f}")
    queue = UploadQueue(queue_path())
    try:
        counts = queue.counts()
        _say(
            "queue: "
            + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pending", "sent", "rejected", "superseded"))
        )
        next_due = queue.next_due()
        if next_due:
            _say(f"next attempt: {_ago(next_due)}")
        for upload in queue.recent(args.limit):
            line = (
                f"#{upload.id} {upload.state:<10} {upload.member_count} members, export of"
                f" {_ago(upload.export_time)}, {upload.attempts} attempt(s)"
            )
            if upload.state == "sent":
                line += f", sent {_ago(upload.sent_at)}"
                summary = summarize_result(upload.result)
                if summary:
                    line += f" ({summary})"
            elif upload.last_error:
                line += f" — last error: {upload.last_error}"
            _say(line)
        for source in queue.sources():
            if source["error"]:
                _say(f"problem with {source['path']}: {source['error']}")
    finally:
        queue.close()
    return EXIT_OK


def cmd_find(args: argparse.Namespace) -> int:
    files = find_saved_variables()
    for f in files:
        _say(str(f))
    return EXIT_OK if files else EXIT_PENDING


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="patt-companion", description="Uploads PATTSync addon exports (guild notes) to the PATT site."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True)

    setup = sub.add_parser("setup", help="ask for the site URL and API key, check them, save them")
    setup.add_argument("--url", help="the site, e.g. https://pullallthethings.com")
    setup.add_argument("--api-key", help="an upload key from the site's guild-sync page")
    setup.add_argument("--file", action="append", help="a PATTSync.lua to watch (default: find them)")
    setup.add_argument("--yes", action="store_true", help="do not prompt")
    setup.set_defaults(func=cmd_setup)

    watch_cmd = sub.add_parser("watch", help="upload every new export as the game writes it")
    watch_cmd.add_argument("--poll", type=float, help="seconds between checks (default from config: 30)")
    watch_cmd.add_argument("--no-events", action="store_true", help="poll only (no file events)")
    watch_cmd.set_defaults(func=cmd_watch)

    upload = sub.add_parser("upload", help="queue and upload the export in FILE once")
    upload.add_argument("file")
    upload.set_defaults(func=cmd_upload)

    status = sub.add_parser("status", help="show the setup, the last uploads and the queue")
    status.add_argument("--limit", type=int, default=10)
    status.set_defaults(func=cmd_status)

    parse = sub.add_parser("parse", help="print the upload body FILE would produce, as JSON (no network)")
    parse.add_argument("file")
    parse.set_defaults(func=cmd_parse)

    find = sub.add_parser("find", help="list the PATTSync.lua files found on this machine")
    find.set_defaults(func=cmd_find)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
