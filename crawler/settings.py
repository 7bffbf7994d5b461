"""Scrapy settings for veille's spiders (Scrapy's own settings only; ours live in config.py).

Every value can be overridden per run: `veille crawl -s NAME=VALUE` or `scrapy crawl NAME -s ...`.
See https://docs.scrapy.org/en/latest/topics/settings.html
"""

BOT_NAME = "veille"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify ourselves with a way to reach the operator. Override VEILLE_CONTACT in production.
USER_AGENT = "veille/0.1 (+https://github.com/veille-project/veille; news monitoring bot; contact: veille@example.org)"

# Politeness: https://docs.scrapy.org/en/latest/topics/autothrottle.html
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Robustness: https://docs.scrapy.org/en/latest/topics/downloader-middleware.html
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024  # larger pages are junk for us, never articles
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled at each try (ours, see middlewares.py)
RETRY_BACKOFF_MAX = 30.0
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's HTTP control port: nothing of ours uses it
DNS_TIMEOUT = 20

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.KnownUrlMiddleware": 40,  # a stored article costs no DNS lookup either
    "crawler.middlewares.LoopbackGuardMiddleware": 50,
    "crawler.middlewares.PrivateDestinationMiddleware": 60,  # before robots.txt (100) asks anything
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.SkipNonHtmlMiddleware": 960,
}

# MemoryUsage stays on: its memusage/max stat is the crawl benchmark's peak-memory figure.
# The scraper holds up to this many bytes of responses waiting for extraction before the engine
# stops downloading: 5 MB (Scrapy's default) is ~25 news pages, too few to keep worker processes fed.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 20_000_000

EXTENSIONS = {
    "crawler.extensions.ProgressFile": 500,
    "crawler.extensions.HealthRecorder": 510,
}

ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 300,
    "crawler.pipelines.StorePipeline": 800,
}

# Our own knobs read by the pipelines (set by `veille crawl` from config.py).
VEILLE_DB = None  # path of the SQLite database; None means the user data directory
VEILLE_SOURCES = None  # path of a sources.toml; None means the packaged registry
VEILLE_ONLY_LOOPBACK = False  # tests and the demo refuse any other host
VEILLE_STORE_BATCH = 50  # articles per write transaction (flushed at least every second)
VEILLE_PROGRESS = None  # a JSON file the crawl rewrites every second with its counters
VEILLE_HEALTH_INTERVAL = 5.0  # seconds between snapshots of a running crawl's record (what a kill leaves)
# Sitemap indexes can nest and loop (an index listing itself, A -> B -> A): each sitemap URL is
# fetched at most once per run, and these bound the rest.
VEILLE_SITEMAP_MAX_DEPTH = 3  # index levels below a sitemap the sources file declares
VEILLE_SITEMAPS_PER_SOURCE = 200  # sitemaps (indexes included) fetched per source and run
VEILLE_CHECK_SAMPLE = 3  # articles per source the `check` spider fetches
VEILLE_EXTRACT_PROCESSES = -1  # extraction worker processes; 0 = one thread, -1 = one per core for big crawls
VEILLE_EXTRACT_POOL_AFTER = 32  # pages before the processes start (small crawls stay in one thread)

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
