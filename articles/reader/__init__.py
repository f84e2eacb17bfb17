"""The readers' room: public pages, feeds, sitemaps, the ninjs API and the page cache."""
