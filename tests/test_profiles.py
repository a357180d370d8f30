import pytest

from scraper import config
from scraper.config import builtin_sites
from scraper.errors import ConfigError

from .conftest import run_cli


def test_hongsibu_profile_extends_the_trs_defaults():
    profile = config.resolve("hongsibu", environ={})
    assert profile.start_urls == ["https://www.hongsibu.gov.cn/xxgk/"]
    assert "http://www.hongsibu.gov.cn/xxgk/zc/gfxwj/" in profile.scope
    assert "https://www.hongsibu.gov.cn/ggqy/wzdt/" not in profile.scope
    assert "网防G01" in profile.fetch.waf_markers  # from the site profile
    assert "/jsearch" in profile.discover.ignore_patterns  # from the defaults
    # The platform's markers stay when a profile names its own (they add, never replace).
    assert "请开启JavaScript并刷新该页" in profile.fetch.waf_markers
    assert profile.fetch.user_agent.startswith("scraper/") and "+http" in profile.fetch.user_agent
    assert "hongsibu" in builtin_sites()


def test_profile_file_from_anywhere(tmp_path):
    path = tmp_path / "tongxin.toml"
    path.write_text(
        'name = "tongxin"\nstart_urls = ["http://www.tongxin.gov.cn/xxgk/index.html"]\n[fetch]\ntimeout = 5\n',
        encoding="utf-8",
    )
    profile = config.resolve(profile_path=path, environ={})
    assert profile.name == "tongxin"
    assert profile.scope.prefixes == ["http://www.tongxin.gov.cn/xxgk/"]
    assert profile.fetch.timeout == 5 and profile.fetch.retries == 3


def test_unknown_site_and_broken_profiles_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown site"):
        config.resolve("nowhere", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.resolve(profile_path=bad, environ={})
    typo = tmp_path / "typo.toml"
    typo.write_text('start_urls = ["http://a.cn/"]\n[fetch]\ntimeot = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="timeot"):
        config.resolve(profile_path=typo, environ={})
    top = tmp_path / "top.toml"
    top.write_text('start_urls = ["http://a.cn/"]\nstart_url = "http://b.cn/"\n', "utf-8")
    with pytest.raises(ConfigError, match="unknown key start_url"):
        config.resolve(profile_path=top, environ={})


@pytest.mark.parametrize(
    "setting, message",
    [
        ('download_attachments = "yes"', "true or false"),
        ("attachment_max_bytes = 0", "whole number ≥ 1"),
    ],
)
def test_bad_attachment_settings_are_config_errors(tmp_path, setting, message):
    profile = tmp_path / "p.toml"
    profile.write_text(f'start_urls = ["http://a.cn/"]\n[discover]\n{setting}\n', "utf-8")
    with pytest.raises(ConfigError, match=message):
        config.resolve(profile_path=profile, environ={})


def test_cli_bad_configuration_exits_2_with_one_line(tmp_path):
    result = run_cli("crawl", "--site", "nowhere", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("scraper: unknown site")
    result = run_cli("crawl", "--start-url", "ftp://x.cn/", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    result = run_cli(
        "crawl",
        "--start-url",
        "http://127.0.0.1:9/",
        "--delay",
        "-1",
        "--db",
        str(tmp_path / "a.db"),
    )
    assert result.returncode == 2 and "delay" in result.stderr
    assert not (tmp_path / "a.db").exists()


def test_start_url_outside_the_scope_is_a_config_error(tmp_path):
    result = run_cli(
        "crawl",
        "--start-url",
        "http://127.0.0.1:9/xxgk/",
        "--scope",
        "http://127.0.0.1:9/other/",
        "--db",
        str(tmp_path / "a.db"),
    )
    assert result.returncode == 2 and "outside the scope" in result.stderr
    result = run_cli(
        "crawl",
        "--site",
        "hongsibu",
        "--start-url",
        "http://127.0.0.1:9/xxgk/",
        "--db",
        str(tmp_path / "a.db"),
    )
    assert result.returncode == 2 and "outside the scope" in result.stderr


def test_cli_sites_lists_profiles():
    result = run_cli("sites")
    assert result.returncode == 0 and "hongsibu" in result.stdout and "红寺堡区" in result.stdout


# -- every layer checked as it is read (issue: bad values give exit 2 and one line) ---------


def _archive(tmp_path):
    from scraper import archive

    path = tmp_path / "a.db"
    db = archive.open_db(path)
    archive.start_run(db, "test", "full", 1, "test", {})
    db.close()
    return path


def _bytes(path):
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "profile, args, env, line",
    [
        (b'start_urls = ["http://127.0.0.1:9/x/"]\ndelay = "fast"\n', ["--delay", "0"], {},
         'P: delay must be a number of seconds ≥ 0, got "fast"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\nconcurrency = 0\n', [], {},
         "P: concurrency must be a whole number ≥ 1, got 0"),
        (b'start_urls = "http://127.0.0.1:9/x/"\n', [], {},
         'P: start_urls must be a list of http(s) URLs, got "http://127.0.0.1:9/x/"'),
        (b'start_urls = ["ftp://127.0.0.1:9/x/"]\n', [], {},
         'P: start_urls must be a list of http(s) URLs, got "ftp://127.0.0.1:9/x/"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n[extract]\nbody = 5\n', [], {},
         "P: body must be a list of CSS selectors, got 5"),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n[extract]\nbody = ["div["]\n', [], {},
         'P: body must be a list of CSS selectors, got "div[" (does not parse)'),
        (b"start_urls = ['http://127.0.0.1:9/x/']\n[extract]\ndocument_url = 't(\\d'\n", [], {},
         'P: document_url must be a regular expression, got "t(\\d": missing ), unterminated '
         "subpattern at position 1"),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n[fetch]\nspeed = 3\n', [], {},
         "P: unknown key fetch.speed"),
        ('name = "吴忠"\n'.encode("gbk"), [], {}, "P: not UTF-8 text (byte 0xce at offset 8)"),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', [], {"SCRAPER_CONCURRENCY": "0"},
         'environment SCRAPER_CONCURRENCY: concurrency must be a whole number ≥ 1, got "0"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', ["--delay", "0"], {"SCRAPER_DELAY": "x"},
         'environment SCRAPER_DELAY: delay must be a number of seconds ≥ 0, got "x"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', ["--delay", "fast"], {},
         '--delay: delay must be a number of seconds ≥ 0, got "fast"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', ["--recheck", "2"], {},
         '--recheck: recheck must be a number between 0 and 1, got "2"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', ["--max-pages", "0"], {},
         '--max-pages: max_pages must be a whole number ≥ 1, got "0"'),
        (b'start_urls = ["http://127.0.0.1:9/x/"]\n', [], {"SCRAPER_ATTACHMENTS": "maybe"},
         'environment SCRAPER_ATTACHMENTS: download_attachments must be true or false, got '
         '"maybe"'),
    ],
)  # fmt: skip
def test_a_bad_value_in_any_layer_is_one_line_exit_2_and_writes_nothing(
    tmp_path, profile, args, env, line
):
    db = _archive(tmp_path)
    path = tmp_path / "p.toml"
    path.write_bytes(profile)
    before = _bytes(db)
    result = run_cli("crawl", "--profile", str(path), "--db", str(db), *args, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["scraper: " + line.replace("P:", f"profile {path}:")]
    assert _bytes(db) == before


def test_library_warnings_go_to_the_log_not_stderr(tmp_path):
    import logging
    import subprocess
    import sys
    import warnings

    log = tmp_path / "crawl.log"
    code = (
        "import logging, warnings, sys\n"
        "from scraper.cli import configure_logging\n"
        f"configure_logging(0, {str(log)!r}, 'text')\n"
        "logging.getLogger('pypdf._reader').warning('EOF marker not found')\n"
        "warnings.warn('Workbook contains no default style')\n"
        "logging.getLogger('scraper.crawl').warning('a failed URL')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.splitlines() == ["WARNING a failed URL"]
    text = log.read_text(encoding="utf-8")
    assert "EOF marker not found" in text and "Workbook contains no default style" in text
    del logging, warnings


def test_every_default_passes_its_own_check():
    """The first layer is checked too: a default of the wrong type would fail here."""
    for setting in config.SETTINGS:
        assert config.check(setting, setting.default, "defaults") == setting.default
    bad = config.Setting("delay", "seconds", "fast", 0)
    with pytest.raises(
        ConfigError, match='defaults: delay must be a number of seconds ≥ 0, got "fast"'
    ):
        config.check(bad, bad.default, "defaults")
