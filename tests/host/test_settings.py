"""Operator settings: plugin settings from the environment and .env; extra plugins by PATT_EXTRA_PLUGINS."""

import pytest

from patt_host.plugins import PluginLoadError


def test_plugin_settings_are_read_from_the_env_file(make_host, tmp_path, monkeypatch):
    monkeypatch.delenv("PATT_SAMPLE_GREETING", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("PATT_SAMPLE_GREETING=bonjour\n")
    host = make_host(plugins=["sample"], env_file=env_file)
    assert host.plugin_settings("sample").greeting == "bonjour"
    # Without the file (the test default) the model's default applies.
    assert make_host(plugins=["sample"]).plugin_settings("sample").greeting == "hello"


def test_the_environment_beats_the_env_file(make_host, tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PATT_SAMPLE_GREETING=bonjour\n")
    monkeypatch.setenv("PATT_SAMPLE_GREETING", "hola")
    assert make_host(plugins=["sample"], env_file=env_file).plugin_settings("sample").greeting == "hola"


def test_extra_plugins_are_enabled_on_top_of_the_site(make_host):
    host = make_host(site="salt", patt_extra_plugins=" sample , sample")
    assert host.has_plugin("sample")
    assert [p.name for p in host.plugins][-2:] == ["sample", "site"]
    assert not make_host(site="salt").has_plugin("sample")


def test_extra_plugins_are_validated_like_the_site_list(make_host):
    with pytest.raises(PluginLoadError) as info:
        make_host(site="salt", patt_extra_plugins="sampel,Bad-Name")
    message = str(info.value)
    assert "sampel: is not installed" in message and "did you mean 'sample'?" in message
    assert "Bad-Name: is not installed" in message


def test_disabled_wins_over_extra(make_host):
    host = make_host(site="salt", patt_extra_plugins="sample", patt_disabled_plugins="sample")
    assert not host.has_plugin("sample")


def test_the_kit_ignores_the_shells_site_settings(make_host, monkeypatch):
    """A developer's exported PATT_EXTRA_PLUGINS / PATT_DISABLED_PLUGINS / PATT_SAFE_MODE do not
    change what a test's host enables; a test that wants them passes them."""
    monkeypatch.setenv("PATT_EXTRA_PLUGINS", "no_such_plugin,sample")
    monkeypatch.setenv("PATT_DISABLED_PLUGINS", "identity")
    monkeypatch.setenv("PATT_SAFE_MODE", "true")
    host = make_host(site="salt")
    assert not host.has_plugin("sample") and host.has_plugin("identity")
    assert host.settings.patt_safe_mode is False
    assert make_host(site="salt", patt_extra_plugins="sample").has_plugin("sample")
