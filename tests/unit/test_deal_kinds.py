"""Deal kinds are declared once: each in its module under server/engine/deals/kinds/, listed in
one literal table. Nothing else in the engine or the session switches on a kind's name, and the
schema clients get is generated from the declarations."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

from district.server.engine.deals import DEAL_SPECS, KINDS, deal_kinds
from district.server.engine.deals.terms import TermSpec

SERVER = Path(__file__).resolve().parents[2] / "server"
KINDS_DIR = SERVER / "engine" / "deals" / "kinds"


def _sources() -> list[Path]:
    engine = [p for p in (SERVER / "engine").rglob("*.py") if KINDS_DIR not in p.parents]
    return engine + sorted(SERVER.glob("session*.py")) + sorted(SERVER.glob("session*/**/*.py"))


def test_no_kind_name_outside_the_kinds_modules() -> None:
    names = set(KINDS)
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and node.value in names
            ):
                found.append(f"{path.relative_to(SERVER)}:{node.lineno}: {node.value!r}")
    assert not found, "deal kinds named outside their modules:\n" + "\n".join(found)
    assert len(_sources()) > 20, "the scan found the engine's sources"


def test_the_table_names_each_kind_by_its_own_name() -> None:
    assert len(KINDS) == 8
    for name, kind in KINDS.items():
        assert kind.name == name
        assert type(kind).__module__.endswith(f".kinds.{name}")


def test_every_term_is_declared_with_its_metadata() -> None:
    for name, kind in KINDS.items():
        assert kind.terms.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
        for f in fields(kind.terms):
            spec = f.metadata["term"]
            assert isinstance(spec, TermSpec) and spec.help, (name, f.name)
            if spec.type in ("float", "int"):
                assert spec.min is not None and spec.max is not None, (name, f.name)
                if not spec.required:
                    assert spec.min <= spec.default <= spec.max, (name, f.name)
            if spec.type in ("choice", "factors", "conditions"):
                assert spec.choices, (name, f.name)
        assert kind.public_terms() <= {f.name for f in fields(kind.terms)}


def test_the_wire_schema_is_generated_from_the_records() -> None:
    assert deal_kinds() == DEAL_SPECS
    assert list(DEAL_SPECS) == list(KINDS)
    for name, spec in DEAL_SPECS.items():
        kind = KINDS[name]
        assert set(spec) == {"title", "source", "help", "parties", "gate", "terms"}
        assert spec["parties"] == {r: [lo, hi] for r, (lo, hi) in kind.parties.items()}
        assert list(spec["terms"]) == [f.name for f in fields(kind.terms)]
        for term in spec["terms"].values():
            assert {"type", "help", "default", "required"} <= set(term)
            assert set(term) <= {"type", "help", "default", "required", "min", "max", "choices"}
    terms = DEAL_SPECS["subcontract"]["terms"]
    assert terms["rounds"] == {
        "type": "int",
        "help": "rounds it runs",
        "default": 2,
        "required": False,
        "min": 1,
        "max": 12,
    }
    assert DEAL_SPECS["joint_bid"]["terms"]["tender"]["required"] is True
