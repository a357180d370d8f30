"""A plain Scrapy spider for a TRS disclosure site, as a Scrapy user would write it: the
comparison point of ``bench/versus_scrapy.py``.

    scrapy runspider bench/scrapy_spider.py -a start_url=http://127.0.0.1:8080/xxgk/ \\
        -a db=spider.db -a stats=stats.json -s CONCURRENT_REQUESTS=16 \\
        -s CONCURRENT_REQUESTS_PER_DOMAIN=16

It follows every link in scope (the start URL's folder) and the TRS script pagers
(``createPageHTML(total, current, "stem", "ext")`` and its variant with an element id first:
pages 2…total are ``stem_1.ext`` … ``stem_{total-1}.ext``), skips attachment files, extracts
title, date and body text with CSS selectors and stores one SQLite row per page. robots.txt is
obeyed, no delay, no autothrottle, no HTTP cache. ``stats`` receives Scrapy's stats as JSON.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import scrapy

# createPageHTML(3, 0, "index", "html") / createPageHTML('page_div', 2, 1, 'list', 'html')
PAGER = re.compile(
    r"""createPageHTML\(\s*(?:['"][\w-]+['"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['"]([\w.-]+)['"]\s*,\s*['"](s?html?)['"]"""
)
FILES = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|wps|et|dps|ofd|zip|rar|7z|txt|csv|png|jpe?g|gif)$", re.I
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SqlitePipeline:
    def open_spider(self, spider: scrapy.Spider) -> None:
        self.db = sqlite3.connect(spider.db)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, kind TEXT, title TEXT, "
            "date TEXT, body TEXT)"
        )

    def process_item(self, item: dict[str, Any], spider: scrapy.Spider) -> dict[str, Any]:
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
            (item["url"], item["kind"], item["title"], item["date"], item["body"]),
        )
        return item

    def close_spider(self, spider: scrapy.Spider) -> None:
        self.db.commit()
        self.db.close()


class TrsSpider(scrapy.Spider):
    name = "trs"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {SqlitePipeline: 300},
    }

    def __init__(self, start_url: str, db: str, stats: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.scope = start_url.rsplit("/", 1)[0] + "/"
        self.allowed_domains = [start_url.split("/")[2].split(":")[0]]
        self.db = db
        self.stats_path = stats

    def parse(self, response: scrapy.http.Response) -> Any:
        if not isinstance(response, scrapy.http.TextResponse):
            return
        article = response.css(".article")
        if article:
            title = article.css(".xl-title h2::text, h3.older-content-title::text").get("")
            date = article.css(".info-time::text, .older-contet-fl li::text").re_first(DATE.pattern)
            body = " ".join(t.strip() for t in article.css(".view ::text").getall() if t.strip())
            pager = PAGER.search(response.text)  # a document in parts: 0 is the first
            kind = "document-part" if pager and pager.group(2) != "0" else "document"
        else:
            title, date = response.css("title::text").get(""), None
            body = " ".join(response.css(".list li ::text, ul li a::text").getall())
            kind = "list"
        yield {
            "url": response.url,
            "kind": kind,
            "title": title.strip(),
            "date": date,
            "body": body,
        }

        links = response.css("a::attr(href)").getall()
        for total, _, stem, ext in PAGER.findall(response.text):
            links += [f"{stem}_{k}.{ext}" for k in range(1, int(total))]
        for href in links:
            url = response.urljoin(href.strip()).split("#")[0]
            if url.startswith(self.scope) and not FILES.search(url):
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason: str) -> None:
        if self.stats_path:
            with open(self.stats_path, "w") as f:
                json.dump(self.crawler.stats.get_stats(), f, default=str)
