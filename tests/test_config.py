"""Config: defaults, validation messages that name the key, env overrides, the CLI's handling."""

import os
import subprocess
import sys

import pytest

from aktenlotse.core.config import ConfigError, load_config
from tests.unprivileged import IS_ROOT, WITHOUT_READ_OVERRIDE, make_unreadable

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]


def write(tmp_path, text):
    p = tmp_path / "aktenlotse.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_example_config_from_init_is_valid(tmp_path):
    target = tmp_path / "a.toml"
    out = subprocess.run([*CLI, "init", str(target)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    config = load_config(target)
    assert config.sources[0].name == "daten"
    assert config.sources[0].display_root == "\\\\rathaus\\daten"
    assert config.data_dir == tmp_path / "data"
    again = subprocess.run([*CLI, "init", str(target)], capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr


@pytest.mark.parametrize(
    "text, key",
    [
        ('[extractor]\nkind = "magic"\n', "extractor.kind"),
        ('[extractor]\nkind = "external"\n', "extractor.urls"),
        ("[crawl]\nworkers = 0\n", "crawl.workers"),
        ('[crawl]\nworkers = "viele"\n', "crawl.workers"),
        ('[[sources]]\nname = "x"\n', "sources[0].root"),
        ('[[sources]]\nroot = "/a"\nmax_file_size_mb = -1\n', "sources[0].max_file_size_mb"),
        ('[[sources]]\nroot = "/a"\ncolour = 1\n', "sources[0].colour"),
        ('[[sources]]\nroot = "/a"\nname = "x"\n[[sources]]\nroot = "/b"\nname = "x"\n', "sources"),
        ("data_dir = 5\n", "data_dir"),
        ("unknown = 1\n", "unknown"),
        ('[index]\nbackend = "oracle"\n', "index.backend"),
        ('[[sources]]\nroot = "/a"\ntraverse = "aus"\n', "sources[0].traverse"),
        ('[[sources]]\nroot = "smb://srv/daten"\nshare_acl = "yes"\n', "sources[0].share_acl"),
        ('[[sources]]\nroot = "/a"\nshare_acl = "ignore"\n', "sources[0].share_acl"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert str(info.value).startswith(key)
    assert "\n" not in str(info.value)


def test_broken_toml_and_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "data_dir = \n"))
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = write(tmp_path, 'data_dir = "x"\n')
    bad.write_bytes(b'data_dir = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(bad)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_config_file(tmp_path):
    p = write(tmp_path, 'data_dir = "x"\n')
    p.chmod(0)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(p)


def test_cli_prints_one_line_without_traceback(tmp_path):
    p = write(tmp_path, '[extractor]\nkind = "magic"\n')
    out = subprocess.run([*CLI, "--config", str(p), "errors"], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0
    assert "extractor.kind" in out.stderr and "Traceback" not in out.stderr


def test_unreadable_config_via_cli_without_read_rights(tmp_path):
    if not IS_ROOT:
        pytest.skip("needs root to give the config file to another user")
    p = write(tmp_path, 'data_dir = "x"\n')
    make_unreadable(p)
    out = subprocess.run([*WITHOUT_READ_OVERRIDE, *CLI, "--config", str(p), "errors"], capture_output=True, text=True)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "cannot be read" in out.stderr and "Traceback" not in out.stderr


def test_environment_overrides(tmp_path, monkeypatch):
    p = write(tmp_path, 'data_dir = "x"\n')
    monkeypatch.setenv("AKTENLOTSE_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("AKTENLOTSE_TIKA_URLS", "http://127.0.0.1:9998, http://127.0.0.1:9999")
    config = load_config(p)
    assert config.data_dir == tmp_path / "elsewhere"
    assert config.extractor.kind == "external"
    assert config.extractor.urls == ("http://127.0.0.1:9998", "http://127.0.0.1:9999")


def test_config_file_from_environment(tmp_path, monkeypatch):
    p = write(tmp_path, 'data_dir = "from-env"\n')
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(p))
    assert load_config(None).data_dir == tmp_path / "from-env"


def test_cache_dir_from_file_env_and_default(tmp_path, monkeypatch):
    from aktenlotse.crawler.tika_jar import TIKA_JAR_NAME, tika_jar_path

    monkeypatch.delenv("AKTENLOTSE_CACHE_DIR", raising=False)
    monkeypatch.delenv("AKTENLOTSE_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_config(write(tmp_path, "")).cache_dir == tmp_path / "home" / ".cache" / "aktenlotse"
    config = load_config(write(tmp_path, 'cache_dir = "cache"\n'))
    assert config.cache_dir == tmp_path / "cache"
    assert tika_jar_path(config.cache_dir) == tmp_path / "cache" / "tika" / TIKA_JAR_NAME
    monkeypatch.setenv("AKTENLOTSE_CACHE_DIR", str(tmp_path / "var-cache"))
    assert load_config(write(tmp_path, 'cache_dir = "cache"\n')).cache_dir == tmp_path / "var-cache"
    assert tika_jar_path() == tmp_path / "var-cache" / "tika" / TIKA_JAR_NAME


def test_traverse_and_share_acl_settings(tmp_path):
    default = load_config(write(tmp_path, '[[sources]]\nroot = "smb://srv/daten"\n')).sources[0]
    assert (default.traverse, default.share_acl) == ("enforced", "enforced")
    chosen = load_config(
        write(tmp_path, '[[sources]]\nroot = "smb://srv/daten"\ntraverse = "bypass"\nshare_acl = "ignore"\n')
    ).sources[0]
    assert (chosen.traverse, chosen.share_acl) == ("bypass", "ignore")
    with pytest.raises(ConfigError, match='muss "enforced" oder "bypass" sein'):
        load_config(write(tmp_path, '[[sources]]\nroot = "/a"\ntraverse = "aus"\n'))


def test_opensearch_has_its_own_table_and_password(tmp_path, monkeypatch):
    p = write(
        tmp_path,
        'data_dir = "x"\n[index]\nbackend = "opensearch"\n'
        '[index.opensearch]\nurls = ["https://os1.rathaus.local:9200"]\nusername = "aktenlotse"\n'
        '[index.elasticsearch]\nurls = ["https://es1.rathaus.local:9200"]\n',
    )
    monkeypatch.setenv("AKTENLOTSE_OPENSEARCH_PASSWORD", "os-geheim")
    monkeypatch.setenv("AKTENLOTSE_ES_PASSWORD", "es-geheim")
    monkeypatch.setenv("AKTENLOTSE_ES_API_KEY", "es-key")
    index = load_config(p).index
    server = index.server
    assert server.engine == "opensearch" and server.engine_name == "OpenSearch"
    assert server.urls == ("https://os1.rathaus.local:9200",) and server.username == "aktenlotse"
    assert server.password == "os-geheim" and server.api_key == ""  # OpenSearch has no API keys
    assert index.elasticsearch.password == "es-geheim" and index.elasticsearch.api_key == "es-key"
    bad = write(tmp_path, 'data_dir = "x"\n[index.opensearch]\napi_key = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "index.opensearch." in str(caught.value) and "api_key" in str(caught.value)
