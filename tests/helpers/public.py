"""Addresses of the public site that the tests sweep."""

# Every feed and sitemap.
MACHINE_READABLE = [
    "/feeds/rss.xml",
    "/feeds/atom.xml",
    "/feeds/feed.json",
    "/sitemap.xml",
    "/news-sitemap.xml",
]
