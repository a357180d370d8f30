from scraper.urls import Scope, canonical_url, default_scope_prefix


def test_canonical_url_drops_fragment_and_whitespace():
    assert canonical_url("  https://h.cn/xxgk/a.html#top \n") == "https://h.cn/xxgk/a.html"


def test_canonical_url_percent_encodes_non_ascii_but_keeps_escapes():
    assert canonical_url("https://h.cn/附件.pdf") == "https://h.cn/%E9%99%84%E4%BB%B6.pdf"
    assert canonical_url("https://h.cn/a%20b.pdf") == "https://h.cn/a%20b.pdf"
    assert canonical_url("https://h.cn/a b.pdf") == "https://h.cn/a%20b.pdf"


def test_canonical_url_resolves_relative_links_and_dot_segments():
    base = "https://h.cn/xxgk/tzgg/index_1.html"
    assert (
        canonical_url("./202310/t20231023_1.html", base)
        == "https://h.cn/xxgk/tzgg/202310/t20231023_1.html"
    )
    assert canonical_url("../zc/", base) == "https://h.cn/xxgk/zc/"
    assert canonical_url("https://h.cn/a/./b/../c.html") == "https://h.cn/a/c.html"


def test_canonical_url_lowercases_host_and_drops_default_port():
    assert canonical_url("HTTPS://WWW.H.CN:443/X") == "https://www.h.cn/X"
    assert canonical_url("http://h.cn:8080") == "http://h.cn:8080/"


def test_default_scope_is_the_start_urls_folder():
    assert default_scope_prefix("https://h.cn/xxgk/index.html") == "https://h.cn/xxgk/"
    assert default_scope_prefix("https://h.cn/xxgk/") == "https://h.cn/xxgk/"


def test_scope_matches_path_prefix_on_either_scheme_and_same_host_only():
    scope = Scope(["https://h.cn/xxgk/"])
    assert "https://h.cn/xxgk/tzgg/t20240101_1.html" in scope
    assert "http://h.cn/xxgk/" in scope
    assert "https://h.cn/xxgkold/" not in scope
    assert "https://h.cn/ggqy/wzdt/" not in scope
    assert "https://other.cn/xxgk/" not in scope
    assert "https://h.cn:8443/xxgk/" not in scope
    assert "mailto:a@h.cn" not in scope


def test_canonical_url_normalises_percent_escapes():
    assert canonical_url("https://h.cn/%e4%b8%ad.html") == canonical_url("https://h.cn/中.html")
    assert canonical_url("https://h.cn/100%.html") == "https://h.cn/100%25.html"
