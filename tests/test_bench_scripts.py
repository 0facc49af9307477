"""The benchmark scripts (bench/) are not run by the suite (they build their own PostgreSQL data),
but what each imports from another must exist: bench/export.py once imported helpers bench/registry.py
no longer had, and failed only when run."""

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_imports():
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bench."):
                for alias in node.names:
                    yield pytest.param(node.module, alias.name, id=f"{path.name}:{node.module}.{alias.name}")


@pytest.mark.parametrize(("module", "name"), list(_bench_imports()))
def test_what_a_bench_script_imports_from_another_exists(module, name):
    assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"
