"""The functions' package carries its modules' bytecode (functions/Makefile, which `sam build`
runs): Lambda's /var/task is read-only, so a module without it compiles at every cold start."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.sam_template import load_template

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
CHECKED_HASH = 0b11  # PEP 552: a hash-based pyc whose source hash is checked at import

# In a fresh interpreter: import from the package, render a page from its precompiled
# templates, and name every module of the package Python had to compile from source.
PROBE = """
import importlib.machinery, json, sys
compiled = []
original = importlib.machinery.SourceFileLoader.source_to_code
def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(path)
    return original(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = source_to_code
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from greenlight.links import Decision
from greenlight.pages import problem_page
from greenlight.rendering import Templates
page = problem_page(Templates(Path(sys.argv[1]) / "templates"), "not-found")
print(json.dumps({"compiled": [p for p in compiled if p.startswith(sys.argv[1])],
                  "status": page.status, "edited": getattr(sys.modules["greenlight.links"],
                                                           "EDITED", None)}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("package")
    subprocess.run(["make", "--silent", "-C", str(FUNCTIONS), "package",
                    f"ARTIFACTS_DIR={target}", f"PYTHON={sys.executable}"],
                   check=True, capture_output=True, text=True, timeout=300)
    return target


def probe(package: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(package)], capture_output=True,
                          text=True, timeout=120, cwd=package,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def test_every_function_and_layer_is_built_by_its_makefile_with_bytecode() -> None:
    resources = load_template()["Resources"]
    # The Makefile is in the code's folder, or in the Metadata's ContextPath.
    built = {name: ROOT / resource.get("Metadata", {}).get(
                 "ContextPath", resource["Properties"].get("CodeUri", "functions/")
                 if resource["Type"] == "AWS::Serverless::Function"
                 else resource["Properties"]["ContentUri"])
             for name, resource in resources.items()
             if resource["Type"] in ("AWS::Serverless::Function",
                                     "AWS::Serverless::LayerVersion")}
    assert len(built) == 6
    for name, directory in built.items():
        assert resources[name].get("Metadata", {}).get("BuildMethod") == "makefile", name
        dry_run = subprocess.run(["make", "-n", "-C", str(directory), f"build-{name}",
                                  "ARTIFACTS_DIR=/nonexistent"], capture_output=True, text=True)
        assert dry_run.returncode == 0, dry_run.stderr
        assert "compileall" in dry_run.stdout and "checked-hash" in dry_run.stdout, name


def test_every_module_of_the_package_has_checked_hash_bytecode_for_the_runtime(
        package: Path) -> None:
    sources = sorted(package.rglob("*.py"))
    assert any(p.match("greenlight/decide.py") for p in sources)
    assert any("precompiled" in p.parts for p in sources)
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        header = cached.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == CHECKED_HASH, source
    # Only the bytecode of the Python that built it: none left from the working tree.
    tags = {p.name.split(".")[-2] for p in package.rglob("*.pyc")}
    assert tags == {sys.implementation.cache_tag}


def test_nothing_of_the_package_compiles_at_import(package: Path) -> None:
    found = probe(package)
    assert found["status"] == 404
    assert found["compiled"] == []


def test_a_source_changed_after_the_build_is_compiled_not_its_stale_bytecode(
        tmp_path: Path, package: Path) -> None:
    copy = tmp_path / "package"
    subprocess.run(["cp", "-R", str(package), str(copy)], check=True)
    links = copy / "greenlight" / "links.py"
    links.write_text(links.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    found = probe(copy)
    assert found["edited"] is True
    assert found["compiled"] == [str(links)]
