"""Extraction worker processes: a dead worker costs its page, not the rest of the crawl."""
import asyncio

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


def test_a_killed_worker_drops_one_page_and_the_pool_restarts():
    crawler = get_crawler()
    pipe = ExtractPipeline(crawler, processes=1)
    pipe.open_spider()
    try:
        async def run():
            item = PageItem(url="http://127.0.0.1/a", source="S", body=PAGE, encoding="utf-8")
            first = await pipe.process_item(item)
            for proc in list(pipe.pool._processes.values()):  # what a crash in lxml looks like from outside
                proc.kill()
                proc.join()
            with pytest.raises(DropItem, match="worker died"):
                await pipe.process_item(item)
            again = await pipe.process_item(item)
            return first, again

        first, again = asyncio.run(run())
        assert first.title == again.title == "OpenAI ouvre un bureau à Paris"
        assert crawler.stats.get_value("veille/extract_worker_crashes") == 1
        assert "body" not in repr(PageItem(url="u", source="s", body=b"x" * 10))
    finally:
        pipe.close_spider()
