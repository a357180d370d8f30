import pytest

from scraper.errors import ConfigError
from scraper.profiles import build_profile, builtin_sites, load_raw

from .conftest import run_cli


def test_hongsibu_profile_extends_the_trs_defaults():
    profile = build_profile(load_raw("hongsibu"))
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
    profile = build_profile(load_raw(profile_path=path))
    assert profile.name == "tongxin"
    assert profile.scope.prefixes == ["http://www.tongxin.gov.cn/xxgk/"]
    assert profile.fetch.timeout == 5 and profile.fetch.retries == 3


def test_unknown_site_and_broken_profiles_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown site"):
        load_raw("nowhere")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_raw(profile_path=bad)
    typo = tmp_path / "typo.toml"
    typo.write_text('start_urls = ["http://a.cn/"]\n[fetch]\ntimeot = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="timeot"):
        build_profile(load_raw(profile_path=typo))
    top = tmp_path / "top.toml"
    top.write_text('start_urls = ["http://a.cn/"]\nstart_url = "http://b.cn/"\n', "utf-8")
    with pytest.raises(ConfigError, match="unknown key.*start_url"):
        build_profile(load_raw(profile_path=top))


@pytest.mark.parametrize(
    "setting, message",
    [
        ('download_attachments = "yes"', "true or false"),
        ("attachment_max_bytes = 0", "positive integer"),
    ],
)
def test_bad_attachment_settings_are_config_errors(tmp_path, setting, message):
    profile = tmp_path / "p.toml"
    profile.write_text(f'start_urls = ["http://a.cn/"]\n[discover]\n{setting}\n', "utf-8")
    with pytest.raises(ConfigError, match=message):
        build_profile(load_raw(profile_path=profile))


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
