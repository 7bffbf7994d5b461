"""One cluster crawl job in its own process: `main`, as `python -m crawler.cluster.job` runs it.

The crawl worker starts one such process per job (forked by `crawler.launch`), as
`crawler.crawl` runs one crawl: a Twisted reactor cannot be restarted, and a process per job
means a hostile page that crashes lxml, or a leak, costs one job, never the worker. Settings
are the project's, with the store pipeline replaced by the stream pipeline and no database.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import threading
import time

from crawler import launch

HOST_SLOTS = "crawler.cluster.politeness.HostSlotsMiddleware"
CLAIMS = "crawler.cluster.claims.ClusterKnownUrlMiddleware"
PRIVATE = "crawler.middlewares.PrivateDestinationMiddleware"
# one machine's component -> the cluster's, at the same place in the chain
SWAPS = {
    "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": "crawler.cluster.pipelines.StreamPipeline"},
    "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.KnownUrlMiddleware": CLAIMS},
    "EXTENSIONS": {"crawler.extensions.HealthRecorder": "crawler.cluster.reporter.ClusterHealthReporter"},
}
DEFAULT_PRIORITY = {"ITEM_PIPELINES": 800, "DOWNLOADER_MIDDLEWARES": 40, "EXTENSIONS": 510}


def job_settings(redis_url: str, prefix: str, overrides: dict | None = None, *, job_id: str = "",
                 claim_ms: int = 900_000):
    """The project's Scrapy settings for a cluster job: articles, health and validators to the stream,
    URL claims in Redis, nothing to or from SQLite."""
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    s = get_project_settings()
    for name, swaps in SWAPS.items():
        components = dict(s.getdict(name))
        for mine, theirs in swaps.items():
            priority = components.pop(mine, None)
            components[theirs] = DEFAULT_PRIORITY[name] if priority is None else priority
        if name == "DOWNLOADER_MIDDLEWARES":
            components[HOST_SLOTS] = 970  # nearest the downloader (past SkipNonHtml, 960): sees every raw response
            # a claim is taken only once the request may go out: one refused here (a private address
            # the source does not declare) but claimed first would be skipped by the source that may fetch it
            components[CLAIMS] = max(components[CLAIMS], components.get(PRIVATE, 60) + 5)
        s.set(name, components, priority="cmdline")
    s.set("SPIDER_MODULES", [*s.getlist("SPIDER_MODULES"), "crawler.cluster.spider"], priority="cmdline")
    s.set("VEILLE_DB", None, priority="cmdline")
    s.set("VEILLE_CLUSTER_REDIS", redis_url, priority="cmdline")
    s.set("VEILLE_CLUSTER_PREFIX", prefix, priority="cmdline")
    s.set("VEILLE_CLUSTER_JOB_ID", job_id, priority="cmdline")
    s.set("VEILLE_CLUSTER_CLAIM_MS", claim_ms, priority="cmdline")
    for k, v in (overrides or {}).items():
        s.set(k, v, priority="cmdline")
    return s


def run_job(job: dict, job_id: str, redis_url: str, prefix: str, overrides: dict | None = None,
            claim_ms: int = 900_000) -> dict:
    """Crawl the source of `job` (its stream fields, as text) in this process; returns Scrapy's stats."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(job_settings(redis_url, prefix, overrides, job_id=job_id, claim_ms=claim_ms))
    crawler = process.create_crawler("cluster")
    process.crawl(crawler, job=json.dumps(job), job_id=job_id, redis_url=redis_url, prefix=prefix,
                  claim_ms=str(claim_ms))
    process.start()
    return crawler.stats.get_stats()


def _die_with_worker(pid: int) -> None:
    """This process is killed as soon as the crawl worker `pid` ends.

    A job whose worker died is taken over by another worker; a crawl left running here would
    fetch its pages a second time, alongside the new owner. The worker is not our parent (the
    launch server of `crawler.launch` is), so a thread watches it: through a pidfd on Linux,
    else by asking every half second whether it is still there.
    """
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)  # the worker died before we started watching
    except (AttributeError, OSError):  # no pidfd here (not Linux, or a kernel before 5.3)
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])  # readable once the worker has exited
        else:
            while launch.is_running(pid):
                time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-worker", daemon=True).start()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Run one veille cluster crawl job (used by `veille cluster crawl`).")
    p.add_argument("--redis", required=True)
    p.add_argument("--prefix", default="veille")
    p.add_argument("--job-id", required=True)
    p.add_argument("--claim-ms", type=int, default=900_000)
    p.add_argument("--worker-pid", type=int, help="the crawl worker: this job dies when it ends (default: our parent)")
    p.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = p.parse_args(argv)
    _die_with_worker(args.worker_pid or os.getppid())
    job = json.loads(sys.stdin.read())  # the job's fields: a source table can be long for argv
    stats = run_job(job, args.job_id, args.redis, args.prefix, dict(kv.split("=", 1) for kv in args.settings),
                    args.claim_ms)
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
