"""Defect 9: without BASE_URL, links (invites) use the port actually served."""

from __future__ import annotations

from click.testing import CliRunner

from patt_host import cli


def test_patt_serve_port_becomes_the_public_base_url(monkeypatch, clean_database, tmp_path):
    served = {}

    def run(app, **kwargs):  # uvicorn.run stand-in: record what would be served, serve nothing
        served.update(kwargs, base_url=app.state.host.settings.public_base_url)

    monkeypatch.setattr("uvicorn.run", run)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", clean_database.url)
    monkeypatch.setenv("JWT_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PATT_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.cli, ["serve", "--port", "8765"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert served["port"] == 8765
    assert served["base_url"] == "http://127.0.0.1:8765"
