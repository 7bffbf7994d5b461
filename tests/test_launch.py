"""crawler.launch: children forked from a preloaded server behave as `python -m module` would."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from crawler import launch

PROBE = "tests.launch_probe"


def _report(path) -> dict:
    return json.loads(path.read_text())


def test_a_child_gets_the_callers_environment_directory_stdin_and_status(tmp_path, monkeypatch):
    first = launch.start(PROBE, [str(tmp_path / "first.json"), "0", "0"])
    assert first.wait(60) == 0  # the server is running now, started with the environment of then
    monkeypatch.setenv("VEILLE_PROBE", "set after the server started")
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "child.log"
    log.write_text("a header the caller wrote\n")
    child = launch.start(PROBE, ["r.json", "7", "0"], stderr=str(log), stdin_text="the job's fields")
    assert child.wait(60) == 7 and child.returncode == 7 and child.poll() == 7
    got = _report(tmp_path / "r.json")
    assert got["probe"] == "set after the server started"
    assert got["cwd"] == str(tmp_path)
    assert got["stdin"] == "the job's fields"
    assert got["sys_argv"] == [PROBE, "r.json", "7", "0"]
    assert got["pid"] == child.pid and not got["session_leader"]
    assert log.read_text() == "a header the caller wrote\nprobe says hello\n"  # appended, nothing lost


def test_a_new_session_a_timeout_a_kill_and_a_failure(tmp_path):
    sleeper = launch.start(PROBE, [str(tmp_path / "s.json"), "0", "30"], new_session=True)
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper.wait(0.3)
    assert sleeper.poll() is None
    sleeper.kill()
    assert sleeper.wait(30) == -signal.SIGKILL
    assert _report(tmp_path / "s.json")["session_leader"]
    log = tmp_path / "fail.log"
    failing = launch.start(PROBE, [str(tmp_path / "f.json"), "raise", "0"], stderr=str(log))
    assert failing.wait(60) == 1
    assert "RuntimeError: the probe was told to fail" in log.read_text()


def test_without_fork_the_child_is_a_fresh_interpreter_with_the_same_contract(tmp_path, monkeypatch):
    monkeypatch.delattr(launch.os, "fork")
    log = tmp_path / "c.log"
    child = launch.start(PROBE, [str(tmp_path / "r.json"), "5", "0"], stderr=str(log), stdin_text="fields")
    assert isinstance(child, subprocess.Popen)
    assert child.wait(60) == 5
    assert _report(tmp_path / "r.json")["stdin"] == "fields"
    assert log.read_text() == "probe says hello\n"


def test_a_script_without_a_main_guard_can_start_children(tmp_path):
    # multiprocessing's fork server imports the caller's __main__ again in every child: with a
    # script like this one that would start children without end
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        from crawler import launch
        child = launch.start({PROBE!r}, [{str(tmp_path / 'r.json')!r}, "3", "0"])
        print(child.wait(60))
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                         cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.stdout.strip() == "3", out.stderr


def test_the_preloaded_modules_import_and_install_no_reactor():
    code = ("import importlib, sys\nfrom crawler.launch import PRELOAD\n"
            "for name in PRELOAD: importlib.import_module(name)\n"
            "print('twisted.internet.reactor' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr  # the server skips a module it cannot import: none may be
    assert out.stdout.strip() == "False"  # each crawl installs its own reactor after the fork


def test_a_child_outlives_a_dead_server_and_then_reads_as_unknown(tmp_path):
    child = launch.start(PROBE, [str(tmp_path / "r.json"), "0", "1.5"])
    servers = [p for p in psutil.Process().children() if "crawler.launch" in p.cmdline()]
    assert len(servers) == 1
    servers[0].kill()
    servers[0].wait(30)
    time.sleep(0.2)  # for our reader thread to see the end of the replies
    assert child.poll() is None  # still running: only its server died
    assert child.wait(60) == launch.UNKNOWN_EXIT
    again = launch.start(PROBE, [str(tmp_path / "again.json"), "4", "0"])  # a new server
    assert again.wait(60) == 4


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_a_cluster_job_dies_with_its_worker_though_the_worker_is_not_its_parent(pidfd):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    hide = "" if pidfd else "del os.pidfd_open\n"
    code = (f"import os, sys, time\n{hide}from crawler.cluster import job\n"
            f"job._die_with_worker({worker.pid})\nprint('watching', flush=True)\ntime.sleep(60)\n")
    job = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert job.stdout.readline().strip() == "watching"
        worker.kill()
        worker.wait()
        assert job.wait(timeout=20) == -signal.SIGKILL  # it killed itself, seconds after its worker
    finally:
        for proc in (worker, job):
            if proc.poll() is None:
                proc.kill()
