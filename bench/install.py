"""Install the checkout the way users do, into a throw-away venv, for timing.

Why: the checkout's own `.venv` holds an editable install, and setuptools'
editable finder is imported by `site` at every start of every Python in that
venv (it pulls in pathlib, importlib.util and fnmatch): ~11 ms that no user of
`pip install .` pays, on a tool whose single-chart run is mostly start-up.

The install is offline-safe: a wheel is built from a copy of the sources with
the build tools at hand (`--no-build-isolation --no-index`; only if that
fails, with pip's isolated build, which fetches setuptools from the configured
index), then pip installs it (console script, byte-compiled modules) into a
venv of the same Python made `--without-pip`.  The dependencies are not
installed again: a `.pth` file puts the directories where this Python finds
them on the venv's path, so both trees run the very same ruamel.yaml and
jsonpath-ng.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

DEPENDENCIES = ("ruamel.yaml", "_ruamel_yaml", "jsonpath_ng")
SOURCES = ("pyproject.toml", "README.md", "post_renderer")


class InstallError(Exception):
    """The checkout could not be installed; the message says which step failed."""


def install(tree: Path, where: Path) -> Path:
    """Install `tree` into a new venv under `where`; its console script."""
    src, wheels, venv = where / "src", where / "wheel", where / "venv"
    src.mkdir(parents=True)
    for name in SOURCES:
        source = tree / name
        if source.is_dir():
            shutil.copytree(source, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copyfile(source, src / name)
    pip = [sys.executable, "-m", "pip"]
    quiet = ["-q", "--disable-pip-version-check"]
    offline = [*pip, "wheel", *quiet, "--no-deps", "--no-build-isolation", "--no-index",
               "-w", str(wheels), str(src)]
    if _run(offline) is not None:
        failed = _run([*pip, "wheel", *quiet, "--no-deps", "-w", str(wheels), str(src)])
        if failed is not None:
            raise InstallError(f"building a wheel of {tree} failed: {failed}")
    wheel = next(wheels.glob("*.whl"))
    failed = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    if failed is not None:
        raise InstallError(f"creating a venv failed: {failed}")
    python = venv / "bin" / "python"
    failed = _run([*pip, "--python", str(python), "install", *quiet, "--no-deps",
                   "--no-index", str(wheel)])
    if failed is not None:
        raise InstallError(f"pip install {wheel.name} failed: {failed}")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "registry_rewrite_bench_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in dependency_paths()), encoding="utf-8")
    script = venv / "bin" / "registry-rewrite"
    if not script.exists():
        raise InstallError(f"pip install {wheel.name} wrote no console script")
    return script


def export(tree: Path, ref: str, where: Path) -> Path:
    """The sources of commit `ref` of the git checkout `tree`, written under
    `where` (a base to compare with, without touching any worktree)."""
    where.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(tree), "archive", ref, *SOURCES],
                             capture_output=True)
    if archive.returncode != 0:
        raise InstallError(f"git archive {ref}: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def dependency_paths() -> list[str]:
    """The sys.path entries this Python imports the dependencies from."""
    paths: list[str] = []
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise InstallError(f"{name} is not importable by {sys.executable}")
        # a package's origin is its __init__.py: one level more to climb
        levels = name.count(".") + (2 if spec.submodule_search_locations else 1)
        path = str(Path(spec.origin).parents[levels - 1])
        if path not in paths:
            paths.append(path)
    return paths


def _run(cmd: list[str]) -> str | None:
    """None when `cmd` succeeded, else the last line it wrote."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit {done.returncode}"
