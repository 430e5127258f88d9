"""The size of what each function deploys: `sam build` output when SAM CLI is installed, else
functions/ plus its requirements installed with pip, which is what `sam build` packages."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench.environment import FUNCTIONS_DIR, ROOT, function_specs


def _sam() -> str | None:
    """SAM CLI: $SAM (make bench SAM=...), else `sam` on PATH."""
    return os.environ.get("SAM") or shutil.which("sam")


def _runtime_bin() -> str:
    """Where `sam build` finds the functions' runtime (python3.13) on PATH: $RUNTIME_PYTHON's
    folder, else the benchmark's own (make bench runs it on that runtime)."""
    return str(Path(os.environ.get("RUNTIME_PYTHON") or sys.executable).parent)


@dataclass(frozen=True)
class Artifact:
    function: str
    unzipped_bytes: int
    zipped_bytes: int
    files: int
    symlinks: list[str]  # paths left as links, which a zip may not carry
    # Top-level packages holding compiled extensions (cryptography, cffi): reported apart.
    compiled: tuple[str, ...] = ()
    compiled_bytes: int = 0
    # The .pyc files of the pure-Python modules (functions/Makefile compiles them), apart too:
    # a compile cache of the same code, which saves every cold start compiling it.
    bytecode_bytes: int = 0

    @property
    def pure_bytes(self) -> int:
        """Greenlight's own code, its templates and its pure-Python dependencies."""
        return self.unzipped_bytes - self.compiled_bytes - self.bytecode_bytes


@dataclass(frozen=True)
class Artifacts:
    how: str
    artifacts: list[Artifact]
    note: str = ""


def _compiled(directory: Path) -> dict[str, int]:
    """Bytes of each top-level entry that holds a compiled extension."""
    found: dict[str, int] = {}
    for entry in directory.iterdir() if directory.is_dir() else []:
        paths = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        if any(p.suffix in (".so", ".pyd") or ".so." in p.name for p in paths):
            found[entry.name] = sum(p.stat().st_size for p in paths)
    return found


def _measure(function: str, directory: Path) -> Artifact:
    """Bytes on disk, bytes zipped (as deployed), files, and the links found on the way."""
    # A layer's packages sit under python/.
    packages = directory / "python" if (directory / "python").is_dir() else directory
    compiled = _compiled(packages)
    buffer, size, files, links, bytecode = io.BytesIO(), 0, 0, set(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, subfolders, names in os.walk(directory, followlinks=True):
            here = Path(folder)
            for name in [*subfolders, *names]:
                if (here / name).is_symlink():
                    links.add(str((here / name).relative_to(directory)))
            for name in names:
                path = here / name
                if path.is_file():  # a dangling link is not
                    bytes_ = path.stat().st_size
                    size += bytes_
                    files += 1
                    inside = path.is_relative_to(packages) and path != packages
                    top = path.relative_to(packages).parts[0] if inside else ""
                    if path.suffix == ".pyc" and top not in compiled:
                        bytecode += bytes_
                    archive.write(path, path.relative_to(directory))
    return Artifact(function, size, len(buffer.getvalue()), files, sorted(links),
                    tuple(sorted(compiled)), sum(compiled.values()), bytecode)


def _layers() -> list[str]:
    from local.sam_template import load_template

    return sorted(name for name, resource in load_template()["Resources"].items()
                  if resource.get("Type") == "AWS::Serverless::LayerVersion")


def _sam_build(sam: str, build_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": f"{_runtime_bin()}:{os.environ.get('PATH', '')}",
                        "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run([sam, "build", "--build-dir", str(build_dir), "--no-cached"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)


def measure() -> Artifacts:
    names = sorted(spec.logical_id for spec in function_specs().values())
    with tempfile.TemporaryDirectory(prefix="greenlight-build-") as scratch:
        build_dir = Path(scratch) / "build"
        sam = _sam()
        if sam:
            built = _sam_build(sam, build_dir)
            if built.returncode == 0:
                return Artifacts("sam build --no-cached",
                                 [_measure(name, build_dir / name) for name in names]
                                 + [_measure(f"layer {name}", build_dir / name)
                                    for name in _layers()])
            note = "sam build failed: " + (built.stderr or built.stdout).strip()[-400:]
        else:
            note = "sam not installed"
        # What sam build packages: the CodeUri and the requirements, installed for the runtime.
        target = Path(scratch) / "package"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target",
                        str(target), "-r", str(FUNCTIONS_DIR / "requirements.txt")],
                       check=True, capture_output=True, text=True)
        for item in FUNCTIONS_DIR.iterdir():
            if item.name != "requirements.txt" and item.name != "__pycache__":
                (target / item.name).symlink_to(item.resolve())
        package = _measure("(every function)", target)
        return Artifacts("functions/ + pip install --target", [
            Artifact(name, package.unzipped_bytes, package.zipped_bytes, package.files, [])
            for name in names], note)
