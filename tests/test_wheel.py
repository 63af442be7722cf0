"""District as a package: a wheel built from this repository, installed (not editable) into a fresh
virtual environment, does everything the README promises, and the server side needs no pygame.

This builds and installs for real (about a minute); it is the check that scenarios, assets and
benchmarks travel inside the package rather than being found beside a clone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = 8


def run(
    args: list[str], cwd: Path, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1", **env},
    )


def ok(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode == 0, f"{p.args}\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"
    return p.stdout


def install_wheel(tmp: Path) -> Path:
    """A venv with District installed from a wheel, and nothing else of ours: run from a folder
    away from the clone, so neither the source tree nor an editable install can be imported."""
    tmp.mkdir(parents=True, exist_ok=True)
    ok(
        run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(ROOT)],
            tmp,
        )
    )
    wheels = list((tmp / "dist").glob("district-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    ok(run([sys.executable, "-m", "venv", str(venv)], tmp))
    ok(run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])], tmp))
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_wheel_plays_without_the_clone_serves_without_pygame_and_demos_with_the_extra(
    tmp_path: Path,
) -> None:
    installed = install_wheel(tmp_path / "build")
    py = str(installed / "bin" / "python")
    district = str(installed / "bin" / "district")
    where = ok(
        run(
            [
                py,
                "-c",
                "import district.server, pathlib; print(pathlib.Path(district.server.__file__))",
            ],
            tmp_path,
        )
    )
    assert str(installed) in where and str(ROOT) not in where  # the installed copy, not the clone
    assert run([py, "-c", "import pygame"], tmp_path).returncode != 0  # the core has no pygame

    listing = ok(run([district, "scenarios", "list"], tmp_path))
    for name in (
        "emilia-romagna",
        "kumasi",
        "denmark-1989",
        "la-apparel",
        "ny-garment",
        "oregon-plastics",
        "alberta-1993",
        "baden-wuerttemberg",
    ):
        assert name in listing
    assert len([ln for ln in listing.splitlines() if ln.strip()]) >= SHIPPED

    out = ok(
        run(
            [district, "simulate", "--scenario", "emilia-romagna", "--seed", "3", "--rounds", "2"],
            tmp_path,
        )
    )
    assert "From round 1 to the end" in out

    # the smoke run (the full suite takes minutes): every section runs from the installed package
    bench = ok(run([district, "bench", "--quick"], tmp_path, timeout=600))
    for figure in ("resolve one round", "District / bare websockets echo", "all playable"):
        assert figure in bench, bench

    port = free_port()
    server = subprocess.Popen(
        [
            district,
            "serve",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "d.sqlite3"),
            "--log-level",
            "WARNING",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, server.communicate()[0]
            time.sleep(0.1)
        else:
            pytest.fail("district serve did not listen within 30 s")
        check = run(
            [
                py,
                "-c",
                "import sys; import district.server.net; assert 'pygame' not in sys.modules",
            ],
            tmp_path,
        )
        ok(check)
    finally:
        server.terminate()
        server.communicate(timeout=20)

    window = run([district, "play"], tmp_path)
    assert window.returncode == 2 and "pip install 'district[client]'" in window.stderr

    # with the client extra, the fonts come with the package and the demo plays headless
    ok(
        run(
            [py, "-m", "pip", "install", "--quiet", "pygame-ce>=2.4", "pygame_gui>=0.6.9"], tmp_path
        )
    )
    fonts = ok(
        run(
            [
                py,
                "-c",
                "from district.client.ui.theme import FONT_FILES; "
                "print(all(p.exists() for p in FONT_FILES.values()))",
            ],
            tmp_path,
        )
    )
    assert fonts.strip() == "True"
    out = ok(
        run(
            [str(installed / "bin" / "district"), "demo", "--headless", "--scenario", "kumasi"],
            tmp_path,
            SDL_VIDEODRIVER="dummy",
            SDL_AUDIODRIVER="dummy",
        )
    )
    assert "From round 1 to the end" in out
