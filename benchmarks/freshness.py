"""Freshness: how soon an `immediate` alert reaches the mail server after its item enters a feed.

Serves N news sites on loopback (one address each, 127.0.0.2...), starts `veille watch` on them
with a short --every and the default politeness settings, an `immediate` subscription mailing
a local aiosmtpd server. Once the first round has stored and analysed the sites' first
articles, adds one item at a time to a random feed and times, for each:

- `after_poll`: from the feed answer that listed the item (the poll that sees it) to the mail;
- `after_appearance`: from the item entering the feed to the mail (adds the wait for the poll).

Prints JSON with p50/p95/max of both, the settings and `os.cpu_count()`.

    python benchmarks/freshness.py [--sources 50] [--items 10] [--every 10s] [--no-embedding]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.alert_receivers import Mailbox
from tests.crawl_sites import write_sources
from tests.watch_sites import WatchedSite, serve_sites, varied_text


class TimedMailbox(Mailbox):
    """A Mailbox that notes when each message arrived."""

    def __init__(self):
        super().__init__()
        self.arrived: list[float] = []

    async def handle_DATA(self, server, session, envelope):
        self.arrived.append(time.time())
        return await super().handle_DATA(server, session, envelope)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))], 2)


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {"p50": round(statistics.median(values), 2), "p95": percentile(values, 0.95), "max": round(max(values), 2),
            "n": len(values)}


def wait(check, timeout: float, proc: subprocess.Popen) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        if proc.poll() is not None:
            raise SystemExit(f"veille watch exited with {proc.returncode}")
        time.sleep(0.05)
    return False


def start_watch(work: Path, sites, mail: Mailbox, args) -> subprocess.Popen:
    sources = write_sources(work / "sources.toml", [s.source() for s in sites])
    config = work / "veille.toml"
    config.write_text(f'[[alert]]\nname = "bpi"\nquery = "Bpifrance"\nnotify = "{mail.url()}"\n'
                      'every = "immediate"\n', "utf-8")
    cmd = [sys.executable, "-m", "crawler.cli", "--config", str(config), "watch", "--db", str(work / "veille.db"),
           "--sources", sources, "--every", args.every, "--quiet-factor", "1", "-s", "VEILLE_ONLY_LOOPBACK=True"]
    if args.no_embedding:
        cmd.append("--no-embedding")
    log = open(work / "watch.log", "w")
    return subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def rounds(work: Path) -> int:
    try:
        return json.loads((work / "veille.watch.json").read_text("utf-8")).get("rounds", 0)
    except (OSError, ValueError):
        return 0


def measure(sites, mail: TimedMailbox, proc, args, rng) -> tuple[list[float], list[float], int]:
    after_poll, after_appearance, missed = [], [], 0
    for n in range(args.items):
        site = rng.choice(sites)
        before_mail, before_served = len(mail.arrived), len(site.served)
        lead = f"Bpifrance investit dans le projet {n} suivi par {site.name}."
        url = site.add(f"Bpifrance : le projet {n}", varied_text(10_000 + n, lead))
        added = site.appeared[url]
        if not wait(lambda n=before_mail: len(mail.arrived) > n, args.timeout, proc):
            missed += 1
            continue
        arrived = mail.arrived[before_mail]
        seen = [t for t in site.served[before_served:] if t >= added]
        after_appearance.append(arrived - added)
        if seen:
            after_poll.append(arrived - seen[0])
        time.sleep(rng.uniform(0, 2))  # items do not arrive in step with the polls
    return after_poll, after_appearance, missed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=50)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--every", default="10s")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one alert")
    ap.add_argument("--no-embedding", action="store_true", help="keyword topic scores (no USE model)")
    args = ap.parse_args(argv)
    rng = random.Random(15)
    work = Path(tempfile.mkdtemp(prefix="veille-freshness-"))
    sites = [WatchedSite(f"Site {i + 1:02d}", host=f"127.0.0.{i + 2}", articles=2) for i in range(args.sources)]
    mail = TimedMailbox().start()
    t0 = time.monotonic()
    try:
        with serve_sites(sites):
            proc = start_watch(work, sites, mail, args)
            try:
                if not wait(lambda: rounds(work) >= 1, 600, proc):
                    raise SystemExit("the first round did not finish in 10 minutes")
                warm = round(time.monotonic() - t0, 1)
                after_poll, after_appearance, missed = measure(sites, mail, proc, args, rng)
            finally:
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(60)
    finally:
        mail.stop()
    status = json.loads((work / "veille.watch.json").read_text("utf-8"))
    print(json.dumps({
        "benchmark": "freshness", "cores": os.cpu_count(), "sources": args.sources, "items": args.items,
        "every": args.every, "embedding": not args.no_embedding, "politeness": "default settings",
        "first_round_seconds_with_model_load": warm, "after_poll_s": summary(after_poll),
        "after_appearance_s": summary(after_appearance), "missed": missed, "mails": len(mail.arrived),
        "rounds": status["rounds"], "last_round_seconds": status["last_round"].get("seconds"),
        "exit_status": code, "log": str(work / "watch.log"),
    }, indent=2))
    return 0 if not missed and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
