"""`veille cluster crawl`: a crawl worker, one consumer of the sources stream's `crawl` group.

It runs up to `parallel` jobs at once, each a Scrapy crawl of one source in its own process
(`crawler.cluster.job`, forked by `crawler.launch`): per-source politeness is then exactly
today's, since only one process crawls a source at a time. A job is acknowledged only when
its crawl process has exited after handing every article to the articles stream. While a job
runs its lease is renewed (XCLAIM of our own message resets its idle time); a worker that dies
stops renewing, and after `lease` seconds another worker takes the job over with XAUTOCLAIM
and crawls the source again: the URLs stored meanwhile are skipped, the ones the dead worker
had claimed are claimed again under the same job id.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from dataclasses import dataclass, field

from crawler import launch
from crawler.cluster import GROUPS, Keys, drop, ensure_group, heartbeat, text
from crawler.cluster.seed import job_source

log = logging.getLogger(__name__)
GROUP = GROUPS["sources"]
MAX_DELIVERIES = 5  # a job handed out more often than this killed its workers: set it aside


@dataclass
class Running:
    proc: launch.Child | subprocess.Popen
    source: str
    started: float = field(default_factory=time.monotonic)


@dataclass
class WorkerReport:
    done: int = 0
    failed: int = 0
    reclaimed: int = 0


class CrawlWorker:
    def __init__(self, client, keys: Keys, redis_url: str, name: str, *, parallel: int = 2, lease: float = 60.0,
                 settings: dict | None = None, claim_ms: int = 900_000, log_file=None):
        self.r, self.keys, self.url, self.name = client, keys, redis_url, name
        self.parallel, self.lease = parallel, lease
        self.settings = settings or {}
        self.claim_ms = claim_ms
        self.log_file = log_file  # a file the crawl processes append their logs to (default: our stderr)
        self.running: dict[bytes, Running] = {}
        self.report = WorkerReport()
        self._renewed = 0.0

    def run(self, *, until_done: bool = False, max_seconds: float | None = None) -> WorkerReport:
        """Work until stopped (Ctrl-C, SIGTERM), or with `until_done` until the sources stream is empty."""
        ensure_group(self.r, self.keys.sources, GROUP)
        deadline = time.monotonic() + max_seconds if max_seconds else None
        try:
            while True:
                heartbeat(self.r, self.keys, "crawl", self.name, self.lease)
                self._reap()
                self._renew()
                started = self._fill()
                if until_done and not self.running and not started and self.r.xlen(self.keys.sources) == 0:
                    return self.report
                if deadline and time.monotonic() > deadline:
                    return self.report
                if not started:
                    time.sleep(0.2)
        finally:
            for job in self.running.values():  # stopping: our jobs go back to the group when their lease ends
                job.proc.kill()
                job.proc.wait()

    def _fill(self) -> int:
        free = self.parallel - len(self.running)
        if free <= 0:
            return 0
        # jobs of dead workers first: they have waited longest
        _next, claimed, *_ = self.r.xautoclaim(self.keys.sources, GROUP, self.name, int(self.lease * 1000),
                                               start_id="0-0", count=free)
        # our own running jobs come back here when a renewal was late: they are running already
        jobs = [(i, f) for i, f in claimed if f and i not in self.running]
        jobs = [(i, f) for i, f in jobs if not self._poisoned(i, f)]
        self.report.reclaimed += len(jobs)
        for msg_id, _f in jobs:
            log.warning("taking over job %s of a worker whose lease ran out", text(msg_id))
        if len(jobs) < free:
            got = self.r.xreadgroup(GROUP, self.name, {self.keys.sources: ">"}, count=free - len(jobs), block=200)
            for _stream, entries in got or []:
                jobs += [(i, f) for i, f in entries if f]
        for msg_id, fields in jobs:
            self._start(msg_id, fields)
        return len(jobs)

    def _poisoned(self, msg_id: bytes, fields: dict) -> bool:
        """A job whose workers keep dying (a source that exhausts memory, say) is set aside as failed
        after MAX_DELIVERIES tries, rather than killing every worker in turn."""
        pending = self.r.xpending_range(self.keys.sources, GROUP, min=msg_id, max=msg_id, count=1)
        if not pending or pending[0]["times_delivered"] <= MAX_DELIVERIES:
            return False
        source, _ = job_source(fields)
        self.r.xadd(self.keys.failed, {"source": source.name, "job": msg_id, "exit": "workers died",
                                       "worker": self.name})
        drop(self.r, self.keys.sources, GROUP, [msg_id])
        self.r.delete(self.keys.queued(source.name))
        self.report.failed += 1
        log.error("job %s (%s) was taken over %d times: set aside as failed", text(msg_id), source.name,
                  pending[0]["times_delivered"] - 1)
        return True

    def _start(self, msg_id: bytes, fields: dict) -> None:
        source, _ = job_source(fields)
        args = ["--redis", self.url, "--prefix", self.keys.prefix, "--job-id", text(msg_id),
                "--claim-ms", str(self.claim_ms), "--worker-pid", str(os.getpid())]
        for k, v in self.settings.items():
            args += ["-s", f"{k}={v}"]
        proc = launch.start("crawler.cluster.job", args, stderr=self.log_file,
                            stdin_text=json.dumps({text(k): text(v) for k, v in fields.items()}))
        self.running[msg_id] = Running(proc, source.name)
        log.info("crawling %s (job %s)", source.name, text(msg_id))

    def _reap(self) -> None:
        for msg_id, job in list(self.running.items()):
            code = job.proc.poll()
            if code is None:
                continue
            del self.running[msg_id]
            if code != 0:
                # acknowledged all the same: what it handed on is stored, and the next seed queues the
                # source again; retrying a source that crashes its crawl would crash workers in a loop
                self.r.xadd(self.keys.failed, {"source": job.source, "job": msg_id, "exit": str(code),
                                               "worker": self.name})
                self.report.failed += 1
                log.warning("crawl of %s failed (exit %s)", job.source, code)
            else:
                self.report.done += 1
            drop(self.r, self.keys.sources, GROUP, [msg_id])
            self.r.delete(self.keys.queued(job.source))

    def _renew(self) -> None:
        if not self.running or time.monotonic() - self._renewed < self.lease / 3:
            return
        self._renewed = time.monotonic()
        self.r.xclaim(self.keys.sources, GROUP, self.name, 0, list(self.running), justid=True)
