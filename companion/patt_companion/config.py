"""Settings file and folders of the companion.

The config file lives in the user's config folder (``patt-companion/config.toml``) and the
queue in the user's data folder, as platformdirs places them on Windows, macOS and Linux.
``PATT_COMPANION_CONFIG`` and ``PATT_COMPANION_DATA`` point elsewhere (tests, portable
installs); ``PATT_API_URL`` and ``PATT_API_KEY`` override the file, as in the original.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "patt-companion"
DEFAULT_POLL_SECONDS = 30.0


class ConfigError(ValueError):
    """The config file cannot be read (message says why)."""


def config_path() -> Path:
    override = os.environ.get("PATT_COMPANION_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def data_dir() -> Path:
    override = os.environ.get("PATT_COMPANION_DATA")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def queue_path() -> Path:
    return data_dir() / "queue.sqlite3"


@dataclass
class Config:
    url: str | None = None
    api_key: str | None = None
    saved_variables: list[str] = field(default_factory=list)  # empty: find them
    poll_interval: float = DEFAULT_POLL_SECONDS

    @property
    def complete(self) -> bool:
        return bool(self.url and self.api_key)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    config = Config()
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        config.url = _str(data.get("url"))
        config.api_key = _str(data.get("api_key"))
        files = data.get("saved_variables") or []
        config.saved_variables = [str(f) for f in files] if isinstance(files, list) else [str(files)]
        interval = data.get("poll_interval", DEFAULT_POLL_SECONDS)
        if isinstance(interval, int | float) and not isinstance(interval, bool) and interval > 0:
            config.poll_interval = float(interval)
    config.url = os.environ.get("PATT_API_URL") or config.url
    config.api_key = os.environ.get("PATT_API_KEY") or config.api_key
    return config


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def save_config(config: Config, path: Path | None = None) -> Path:
    """Writes the file readable by the user only (it holds the API key)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# patt-companion settings (written by `patt-companion setup`)"]
    if config.url:
        lines.append(f"url = {_toml_string(config.url)}")
    if config.api_key:
        lines.append(f"api_key = {_toml_string(config.api_key)}")
    files = ", ".join(_toml_string(f) for f in config.saved_variables)
    lines.append(f"saved_variables = [{files}]")
    lines.append(f"poll_interval = {config.poll_interval:g}")
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path
