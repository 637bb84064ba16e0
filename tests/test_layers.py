"""The house runs one way: `core` at the foot, then accounts, plans, alliance, means, timeline,
and on top the packages that read many (.importlinter). An import inside a function counts
like any other: import-linter sees it, and no package hides one from it."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_imports_run_one_way_without_cycles():
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _imports_inside_functions(path: Path, root: Path = ROOT) -> list[str]:
    """`module:line name` of each import of a parcours module made inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("parcours"):
                found.append(f"{path.relative_to(root)}:{inner.lineno} {inner.module}")
            elif isinstance(inner, ast.Import):
                found += [
                    f"{path.relative_to(root)}:{inner.lineno} {alias.name}"
                    for alias in inner.names
                    if alias.name.startswith("parcours")
                ]
    return found


def test_no_package_imports_another_inside_a_function():
    found = [
        hit for path in (ROOT / "parcours").rglob("*.py") for hit in _imports_inside_functions(path)
    ]
    assert found == [], "imports of parcours modules inside functions:\n" + "\n".join(found)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from parcours.timeline import checks\n")
    assert _imports_inside_functions(module, tmp_path) == ["probe.py:2 parcours.timeline"]


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")
def test_the_contract_breaks_on_an_upward_import_inside_a_function(tmp_path):
    shutil.copytree(ROOT / "parcours", tmp_path / "parcours")
    shutil.copy(ROOT / ".importlinter", tmp_path)
    with (tmp_path / "parcours" / "core" / "views.py").open("a") as module:
        module.write("\n\ndef probe():\n    from parcours.timeline import checks  # noqa\n")
    result = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "parcours.core.views -> parcours.timeline.checks" in result.stdout
