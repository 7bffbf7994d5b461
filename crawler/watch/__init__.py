"""`veille watch`: one resident process that polls each source on its own interval.

- `schedule`: when each source is due (its `every`, backoff on failures and on quiet sources)
  and when the weekly brief is due;
- `child`: one poll round's Scrapy crawl, in a child process (a reactor cannot restart);
- `runner`: the loop, holding the models loaded and analysing articles as they are stored;
- `status`: the status file `<db>.watch.json` that `veille watch --status` reads.
"""
