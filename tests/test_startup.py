"""Start-up shortcuts must give what the slow way gives, and never go stale silently."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from post_renderer.cli.main import build_parser
from post_renderer.cli.quick import OPTIONS, quick_parse
from post_renderer.extract import compiled
from post_renderer.extract.rows import BUILTIN_FILE, builtin_table_data
from post_renderer.extract.table import build_table

GENERATED = Path(compiled.__file__).with_name("builtin.py")


def test_the_precompiled_table_is_up_to_date() -> None:
    """After an edit of extractors.yaml: `python -m post_renderer.extract.compiled`."""
    assert GENERATED.read_text(encoding="utf-8") == compiled.regenerate()


def test_the_precompiled_table_is_the_yaml_table() -> None:
    precompiled = compiled.load(BUILTIN_FILE.read_bytes())
    assert precompiled is not None
    assert precompiled == compiled.read_yaml()
    rows, _ = builtin_table_data()
    table = build_table()
    assert table.by_kind["Deployment"] == tuple(r for r in rows if r.kind == "Deployment")
    assert (table.never, table.notices) == precompiled[2:]


def test_a_stale_precompiled_table_is_not_used() -> None:
    """Generated from other text (an edit since): the YAML is read instead."""
    source = BUILTIN_FILE.read_bytes()
    assert compiled.load(source + b"\n") is None
    assert compiled.load(source.replace(b"Deployment", b"Deploymenx")) is None


# The command-line reader: quick_parse must give argparse's Namespace or step aside.

TOKENS = ["-c", "--config", "--rule", "--all", "--strict", "--rewrite-unknown", "--error-log",
          "--allow", "--report", "--rep", "--stric", "-h", "--help", "--version", "--", "-",
          "", "-cfile", "-c=file", "--config=", "--rule=a=b", "--strict=1", "--nope", "-x",
          "a=b", "rules.yaml", "obj.yaml", "-1", "with space", "--report=-", "--plain-http",
          "--ca-file=host=ca.pem", "--skip-tls-verify", "--diff", "--diff=x"]


def argparse_answer(argv: list[str]) -> dict[str, object] | None:
    """argparse's Namespace as a dict, or None when it exits (help, version, error)."""
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return vars(build_parser().parse_args(argv))
    except SystemExit:
        return None


def test_quick_parse_declares_every_option_of_the_parser() -> None:
    """An option added to build_parser must be added to cli/quick.py's OPTIONS."""
    strings = {s for action in build_parser()._actions for s in action.option_strings}
    assert strings - {"-h", "--help", "--version"} == set(OPTIONS)
    quick = quick_parse([])
    assert quick is not None and vars(quick) == argparse_answer([])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_quick_parse_reads_as_argparse_does(argv: list[str]) -> None:
    quick = quick_parse(argv)
    if quick is not None:
        assert vars(quick) == argparse_answer(argv)


def test_quick_parse_reads_the_lines_post_renderers_are_given() -> None:
    for argv in (["-c", "rules.yaml"], ["--rule", "a=b", "--rule=c=d", "--strict"],
                 ["obj.yaml", "--report", "out.json", "--allow", "x/"], []):
        quick = quick_parse(argv)
        assert quick is not None and vars(quick) == argparse_answer(argv), argv


# What a plain run imports: measured on the real console script with -X importtime.

def imported_modules(argv: list[str], stdin: bytes = b"") -> set[str]:
    """The modules a run of the console script imports (its -X importtime log)."""
    import subprocess
    import sys

    from conftest import cli_command

    done = subprocess.run([sys.executable, "-X", "importtime", *cli_command(), *argv],
                          input=stdin, capture_output=True, timeout=120)
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.decode().splitlines()
            if line.startswith("import time:") and "|" in line}


MIRRORS = str(Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "mirrors.yaml")


def test_a_plain_run_reads_its_command_line_without_argparse() -> None:
    plain = imported_modules(["-c", MIRRORS, "--rule", "a.example=b.example/m"],
                             b"kind: Pod\n")
    assert "post_renderer.cli.main" in plain and "argparse" not in plain
    assert "argparse" in imported_modules(["-c", MIRRORS, "--stric"])  # left to argparse


def test_configuration_adds_no_yaml_library_import_of_its_own() -> None:
    """The rules file is read through the manifest reader: the run imports
    no ruamel module that reading the same text with `locate` does not."""
    import subprocess
    import sys

    run = imported_modules(["-c", MIRRORS])
    code = ("from post_renderer.yaml.tree import locate\n"
            f"locate(open({MIRRORS!r}, encoding='utf-8').read())\n")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, timeout=120)
    located = {line.rsplit("|", 1)[1].strip() for line in done.stderr.decode().splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "post_renderer.config.located" in run
    ruamel = {name for name in run if "ruamel" in name}
    assert ruamel <= {name for name in located if "ruamel" in name}
