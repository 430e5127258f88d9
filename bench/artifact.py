"""The size of what each function deploys: `sam build` output when SAM CLI is installed, else
functions/ plus its requirements installed with pip, which is what `sam build` packages."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench.environment import FUNCTIONS_DIR, ROOT, function_specs

SAM = Path("/tmp/samcli/bin/sam")
# `sam build` runs the functions' runtime (python3.13) from PATH.
SAM_PYTHON = Path("/root/.pyenv/versions/3.13.0/bin")


@dataclass(frozen=True)
class Artifact:
    function: str
    unzipped_bytes: int
    zipped_bytes: int
    files: int
    symlinks: list[str]  # paths left as links, which a zip may not carry


@dataclass(frozen=True)
class Artifacts:
    how: str
    artifacts: list[Artifact]
    note: str = ""


def _measure(function: str, directory: Path) -> Artifact:
    """Bytes on disk, bytes zipped (as deployed), files, and the links found on the way."""
    buffer, size, files, links = io.BytesIO(), 0, 0, set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, subfolders, names in os.walk(directory, followlinks=True):
            here = Path(folder)
            for name in [*subfolders, *names]:
                if (here / name).is_symlink():
                    links.add(str((here / name).relative_to(directory)))
            for name in names:
                path = here / name
                if path.is_file():  # a dangling link is not
                    size += path.stat().st_size
                    files += 1
                    archive.write(path, path.relative_to(directory))
    return Artifact(function, size, len(buffer.getvalue()), files, sorted(links))


def _sam_build(build_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": f"{SAM_PYTHON}:{os.environ.get('PATH', '')}",
                        "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run([str(SAM), "build", "--build-dir", str(build_dir), "--no-cached"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)


def measure() -> Artifacts:
    names = sorted(spec.logical_id for spec in function_specs().values())
    with tempfile.TemporaryDirectory(prefix="greenlight-build-") as scratch:
        build_dir = Path(scratch) / "build"
        if SAM.exists():
            built = _sam_build(build_dir)
            if built.returncode == 0:
                return Artifacts("sam build --no-cached",
                                 [_measure(name, build_dir / name) for name in names])
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
