"""veille's spiders: `scrapy list` shows them, `scrapy crawl NAME` or `veille crawl` runs them."""
