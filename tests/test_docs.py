"""The README and docs/ as a newcomer uses them: the quick start runs in a
fresh virtual environment, every command block that names a fixture runs as
written, and every pointer into the documentation (in diagnostics, in the
README) names a page and an anchor that exist."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import ROOT, find_tool, tool_env

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]


class Block(NamedTuple):
    path: Path
    line: int
    info: str  # the fence's info string; "" for an indented block
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def code_blocks(path: Path) -> list[Block]:
    """Fenced and indented code blocks of a Markdown page."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+|~~~+)\s*(\S*)", lines[i])
        if fence:
            end = i + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            blocks.append(Block(path, i + 1, fence.group(2), "\n".join(lines[i + 1:end])))
            i = end + 1
            continue
        if lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()):
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            blocks.append(Block(path, i + 1, "", "\n".join(x[4:] for x in lines[i:end]).strip()))
            i = end
            continue
        i += 1
    return blocks


def section(path: Path, heading: str) -> str:
    text = path.read_text()
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def quick_start(path: Path, heading: str) -> str:
    [first, *_] = [b for b in code_blocks(path) if b.info == "sh" and b.text in section(path, heading)]
    return first.text


QUICK_START = quick_start(README, "## Quick start")
FIXTURE_BLOCKS = [b for page in PAGES for b in code_blocks(page)
                  if "fixtures/" in b.text and not b.text.startswith("python3 -m venv")]


def test_readme_fits_on_a_few_screens() -> None:
    assert len(README.read_text().splitlines()) < 200


def test_the_quick_start_is_one_command_and_the_same_everywhere() -> None:
    assert "\n" not in QUICK_START
    assert QUICK_START == quick_start(DOCS / "getting-started.md", "## Quick start")
    assert QUICK_START.startswith("python3 -m venv .venv && ")  # never the system Python
    assert "Python ≥ 3.11" in section(README, "## Quick start")


def test_ci_runs_the_readme_test_command() -> None:
    """CI must run what the README tells a newcomer to run, not a variant of it."""
    [command] = [b.text for b in code_blocks(README)
                 if b.info == "sh" and b.text in section(README, "## Quick start")
                 and "pytest" in b.text]
    assert "\n" not in command
    assert f"( {command} ) || exit $?" in (ROOT / ".ci" / "run").read_text()


def fresh_copy(tmp_path: Path) -> Path:
    """The repository as a new clone has it: no virtual environment, no tools."""
    copy = tmp_path / "clone"
    shutil.copytree(ROOT, copy, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".tools", "site", "build", "__pycache__", "*.egg-info", ".hypothesis",
        ".mypy_cache", ".ruff_cache", ".pytest_cache"))
    return copy


def newcomer_env() -> dict[str, str]:
    """The caller's environment without this test run's virtual environment."""
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REGISTRY_REWRITE_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and p != venv_bin)
    return env


def test_the_quick_start_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    clone = fresh_copy(tmp_path)
    result = subprocess.run(["bash", "-c", QUICK_START], cwd=clone, env=newcomer_env(),
                            capture_output=True, text=True, timeout=900, check=False)
    offline = re.search(r"NewConnectionError|Could not find a version|No matching distribution",
                        result.stderr)
    if offline and os.environ.get("CI") != "true":
        pytest.skip("the quick start installs from PyPI, which this machine cannot reach")
    assert (clone / ".venv" / "bin" / "registry-rewrite").exists(), result.stderr
    # stdout is the diff alone: no pip log
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--- stdin\n+++ stdout\n@@ -28,12 +28,12 @@\n")
    changed = [line for line in result.stdout.splitlines()
               if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))]
    assert len(changed) == 14
    assert ("+          image: 'example.registry.com/internal-images/packs/flannel/0.27.0/"
            "cni-plugins:v1.6.2'  # single-quoted") in changed
    assert ("+        - {name: sidecar, image: example.registry.com/internal-images/docker.io/"
            "library/nginx, ports: [{containerPort: 80}]}   # flow style, Docker Hub short name"
            ) in changed
    for old, new in zip(changed[0::2], changed[1::2], strict=True):
        assert old.startswith("-") and new.startswith("+")
        assert "example.registry.com/internal-images/" in new


def block_bin(block: Block, tmp_path: Path) -> Path:
    """A PATH directory with the tools a block names, under their plain names."""
    directory = tmp_path / "bin"
    directory.mkdir()
    first = block.text.splitlines()[0]
    if re.search(r"\bhelm\b", block.text):
        version = re.fullmatch(r"# Helm ([34])\b.*", first)
        assert version, f"{block.where}: a block that runs helm names its Helm version first"
        (directory / "helm").symlink_to(find_tool(f"helm{version.group(1)}"))
    for tool in ("kubectl", "kustomize", "kpt"):
        if re.search(rf"^\s*(\S+=\S+\s+)*{tool}\b", block.text, re.MULTILINE):
            (directory / tool).symlink_to(find_tool(tool))
    return directory


@pytest.mark.parametrize("block", FIXTURE_BLOCKS, ids=[b.where for b in FIXTURE_BLOCKS])
def test_every_command_block_that_names_a_fixture_runs(block: Block, tmp_path: Path) -> None:
    assert block.info == "sh", f"{block.where}: a command that names a fixture is a ```sh block"
    env = tool_env(HOME=str(tmp_path / "home"))
    env["PATH"] = f"{block_bin(block, tmp_path)}{os.pathsep}{env['PATH']}"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{block.where}:\n{result.stderr}"
    assert re.search(r"image: .*(example\.registry\.com|mirror\.example\.com)/", result.stdout)


def test_some_blocks_name_fixtures() -> None:
    assert len(FIXTURE_BLOCKS) >= 3


# --- pointers into the documentation ---

POINTER = re.compile(r"\bdocs/([\w-]+\.md)(?:#([\w-]+))?")


def slug(heading: str) -> str:
    """A heading's anchor, as MkDocs (Python-Markdown's toc) makes it."""
    text = unicodedata.normalize("NFKD", heading.replace("`", ""))
    text = re.sub(r"[^\w\s-]", "", text.encode("ascii", "ignore").decode()).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
    return {slug(h) for h in headings}


def pointers() -> list[tuple[str, str, str | None]]:
    """(where, page, anchor) for every docs/ pointer in the code, the plugins,
    the scripts and the README."""
    sources = [*sorted((ROOT / "post_renderer").rglob("*.py")),
               *sorted((ROOT / "post_renderer").rglob("*.yaml")),
               *sorted(p for p in (ROOT / "plugins").rglob("*") if p.is_file()),
               *sorted((ROOT / "scripts").iterdir()), README]
    found = []
    for source in sources:
        for n, line in enumerate(source.read_text().splitlines(), 1):
            for match in POINTER.finditer(line):
                found.append((f"{source.relative_to(ROOT)}:{n}", match.group(1), match.group(2)))
    return found


def test_every_pointer_into_the_documentation_exists() -> None:
    found = pointers()
    assert any(where.startswith("post_renderer/") and anchor for where, _, anchor in found)
    for where, page, anchor in found:
        assert (DOCS / page).is_file(), f"{where}: docs/{page} does not exist"
        if anchor:
            assert anchor in anchors(DOCS / page), f"{where}: docs/{page} has no #{anchor}"


def test_the_audit_warning_points_at_the_extractor_docs() -> None:
    from conftest import run_cli

    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  image: src.example.com/w:1\n"
    result = run_cli(["--all", "mirror.example.com/all"], widget)
    assert result.returncode == 0
    assert "(see docs/extractors.md#your-own-extractors)" in result.stderr.decode()
    assert "your-own-extractors" in anchors(DOCS / "extractors.md")
