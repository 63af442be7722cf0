"""Who may import whom: the import contracts of pyproject.toml hold (`lint-imports`), they name
every server module (so a new one cannot slip past them), and the server runs without pygame."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import district.server

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}
SERVER_MODULES = {
    f"district.server.{m.name}" for m in pkgutil.iter_modules(district.server.__path__)
}


def lint_imports() -> str:
    """The `lint-imports` of this Python's environment (the `test` extra installs it)."""
    beside = Path(sys.executable).parent / "lint-imports"
    return str(beside) if beside.exists() else (shutil.which("lint-imports") or "lint-imports")


def test_the_import_contracts_hold() -> None:
    r = subprocess.run(
        [lint_imports(), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in r.stdout, r.stdout


def test_the_contracts_name_every_server_module() -> None:
    allowed = {
        "client-speaks-protocol": {"district.server.protocol", "district.server.protocol_client"},
        "engine-is-pure": {"district.server.engine"},
        "protocol-client-is-small": {
            "district.server.protocol",
            "district.server.protocol_client",
        },
    }
    assert "district.server.protocol_client" in SERVER_MODULES
    for cid, ok in allowed.items():
        forbidden = set(CONTRACTS[cid]["forbidden_modules"])
        assert SERVER_MODULES - ok <= forbidden, (cid, sorted(SERVER_MODULES - ok - forbidden))
        assert not forbidden & ok, cid
    server = CONTRACTS["server-without-client"]
    assert {"district.client", "pygame", "pygame_gui"} <= set(server["forbidden_modules"])
    # only the command line, which puts the window in front of the server, may import the client
    assert all(i.startswith("district.server.cli -> ") for i in server["ignore_imports"])


def test_the_server_runs_without_pygame() -> None:
    """Every server module imports, and `district scenarios list` runs, with pygame unavailable."""
    code = f"""
import sys
sys.modules["pygame"] = None  # any import of pygame or pygame_gui now fails
sys.modules["pygame_gui"] = None
import importlib
for name in {sorted(SERVER_MODULES)!r}:
    importlib.import_module(name)
from district.server.cli import main
sys.exit(main(["scenarios", "list"]))
"""
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "emilia-romagna" in r.stdout
