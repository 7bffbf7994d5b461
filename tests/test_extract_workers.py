"""Extraction worker processes: a dead worker's pages are retried on a fresh pool and counted;
workers never outlive the crawl process that started them."""
import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import PageItem
from crawler.pipelines import ExtractPipeline

SENTENCES = [
    "OpenAI a annoncé le 9 octobre 2024 l'ouverture de son premier bureau en Europe continentale, à Paris.",
    "L'équipe parisienne travaillera avec les entreprises, les start-up et les laboratoires de recherche français.",
    "Le choix de la capitale s'explique par la densité de chercheurs en apprentissage automatique.",
    "Plusieurs groupes du CAC 40 testent déjà les modèles de l'entreprise dans leurs services clients.",
    "Le gouvernement a salué une implantation qui conforte la place de la France dans l'intelligence artificielle.",
    "Les recrutements commenceront dans les prochaines semaines, selon la direction de l'entreprise.",
]
PAGE = ("<html><head><title>OpenAI ouvre un bureau à Paris</title></head><body><article>"
        "<h1>OpenAI ouvre un bureau à Paris</h1>" + "".join(f"<p>{s}</p>" for s in SENTENCES)
        + "</article></body></html>").encode()

# long enough that the three pages are still queued or running when the worker is killed
BIG_PAGE = ("<html><head><title>Un long article</title></head><body><article><h1>Un long article</h1>"
            + "".join(f"<p>{i}. {s}</p>" for i in range(400) for s in SENTENCES) + "</article></body></html>").encode()


@pytest.fixture
def one_worker():
    """(crawler, an open ExtractPipeline with one worker process), closed after the test."""
    crawler = get_crawler()
    pipe = ExtractPipeline(crawler, processes=1, pool_after=0)
    pipe.open_spider()
    try:
        yield crawler, pipe
    finally:
        pipe.close_spider()


def _page(path: str, body: bytes = PAGE) -> PageItem:
    return PageItem(url=f"http://127.0.0.1/{path}", source="S", body=body, encoding="utf-8")


def _kill_workers(pipe) -> None:
    """What a crash in lxml looks like from outside: the pool's processes die."""
    for proc in list(pipe.pool._processes.values()):
        proc.kill()
        proc.join()


def test_pages_of_a_killed_worker_are_retried_once_and_counted(one_worker):
    crawler, pipe = one_worker

    async def run():
        first = await pipe.process_item(_page("a"))
        big = _page("b", BIG_PAGE)
        queued = [asyncio.ensure_future(pipe.process_item(big)) for _ in range(3)]
        await asyncio.sleep(0)  # each task submits its page to the pool
        _kill_workers(pipe)
        # three pages were queued on the dead pool: each is retried on the new one, none is lost
        again = await asyncio.gather(*queued)
        return first, again

    first, again = asyncio.run(run())
    assert first.title == "OpenAI ouvre un bureau à Paris"
    assert [a.title for a in again] == ["Un long article"] * 3
    assert crawler.stats.get_value("veille/extraction_retried") == 3
    assert crawler.stats.get_value("veille/extraction_lost") is None
    assert crawler.stats.get_value("veille/extract_worker_crashes") == 1
    assert "body" not in repr(PageItem(url="u", source="s", body=b"x" * 10))


def test_a_page_that_breaks_two_pools_is_dropped_and_counted_lost(one_worker):
    crawler, pipe = one_worker

    async def run():
        item = _page("a")
        await pipe.process_item(item)
        original = pipe._start_pool

        def start_broken():  # every fresh pool dies as well, as on a page that crashes lxml each time
            original()
            pipe.pool.submit(os._exit, 1)

        pipe._start_pool = start_broken
        _kill_workers(pipe)
        with pytest.raises(DropItem, match="died twice"):
            await pipe.process_item(item)

    asyncio.run(run())
    assert crawler.stats.get_value("veille/extraction_retried") == 1
    assert crawler.stats.get_value("veille/extraction_lost") == 1
    assert crawler.stats.get_value("veille/errors") == 1  # in the crawl summary's error count


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(p) for p in out.split()}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


WORKERS_SCRIPT = """
import asyncio, os, sys
from scrapy.utils.test import get_crawler
from crawler.items import PageItem
from crawler.pipelines import ExtractPipeline
pipe = ExtractPipeline(get_crawler(), processes=2, pool_after=0)
pipe.open_spider()
asyncio.run(pipe.process_item(PageItem(url="http://127.0.0.1/a", source="S", body=sys.stdin.buffer.read())))
print("ready", flush=True)
sys.stdin.read()  # hold the pool until killed
"""


def test_workers_exit_when_their_crawl_process_is_killed():
    proc = subprocess.Popen([sys.executable, "-c", WORKERS_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc.stdin.write(PAGE)
    proc.stdin.flush()
    proc.stdin.close()
    try:
        assert proc.stdout.readline().strip() == b"ready"
        workers = {p for p in _children(proc.pid) if _alive(p)}
        assert len(workers) >= 2  # the pool's processes (and its resource tracker)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 30  # a liveness bound, not a speed figure
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:  # do not leave them behind even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not survivors
