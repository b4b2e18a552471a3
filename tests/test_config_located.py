"""Configuration read through the manifest reader must be what ruamel's safe
loader reads, or be left to that loader: the oracle is ruamel, not our code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from post_renderer.config.located import read_located

ROOT = Path(__file__).resolve().parent.parent


def safe_load(text: str) -> tuple[bool, Any]:
    """(True, value) as the configuration loader's fallback reads it, or (False, None)."""
    try:
        return True, YAML(typ="safe", pure=False).load(text)
    except (YAMLError, ValueError, TypeError, OverflowError):
        return False, None


def same_as_ruamel(text: str) -> bool:
    """Read here only when ruamel reads the same value, with the same types."""
    located = read_located(text)
    if located is None:
        return True
    ok, value = safe_load(text)
    assert ok, f"read here, refused by ruamel: {text!r}"
    assert located.value == value and _types(located.value) == _types(value), text
    return False


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return [(type(k), _types(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value)


def test_the_rules_files_of_the_docs_and_fixtures() -> None:
    """Every YAML file of the project: each read the same, and the plain
    configuration files are read here (ruamel is not needed for them)."""
    files = [*ROOT.glob("fixtures/**/*.yaml"), *ROOT.glob("docs/**/*.yaml")]
    assert files
    refused = {path.name for path in files
               if same_as_ruamel(path.read_text(encoding="utf-8"))}
    assert not {"mirrors.yaml", "seed.yaml"} & refused


def test_values_resolve_as_yaml_1_2() -> None:
    cases = {
        "a: true\nb: False\nc: ~\nd:\ne: null\nf: yes\ng: no\nh: on\n": None,
        'a: "true"\nb: \'~\'\nc: |\n  x: y\n': None,
    }
    for text in cases:
        located = read_located(text)
        assert located is not None, text
        assert located.value == safe_load(text)[1]
    assert read_located("a: yes\n").value == {"a": "yes"}  # type: ignore[union-attr]
    assert read_located("a: true\n").value == {"a": True}  # type: ignore[union-attr]


def test_doubtful_texts_are_left_to_ruamel() -> None:
    for text in ("a: 1\n", "a: 1.5\n", "a: 2001-12-14\n", "a: .inf\n", "a: -1\n",
                 "a: 0o17\n", "a: 1e3\n", "1: a\n", '"true": a\n', "a: !!str 1\n",
                 "a: {b: c}\n", "a: [b]\n", "<<: {a: b}\n", "%YAML 1.1\n---\na: yes\n",
                 "a: &x b\nc: *x\n", "a: b\na: c\n", "a: b\n---\nc: d\n", "a: 'b\n",
                 "=: a\n", "a: =\n", "a: b\n  c\n: d\n", "a: &a\nimage: &a\n"):
        assert read_located(text) is None, text
    for text in ("a:\tb\n", "? a\n: b\n", "a: b\n  c\n"):
        same_as_ruamel(text)


KEYS = ["a", "image", "true", "True", "null", "~", "yes", "no", "on", "y", "1", "0x1",
        "-a", "a b", "docker.io", "a:b", "<<", "=", ".5", "1e3", "2001-12-14", "", "#x",
        "a#b", "é", "@a", "`a"]
VALUES = [*KEYS, "x y", "x  # c", "a: b", "-", "- a", "'", '"', "\\", "\\n", "|", ">",
          "&a", "*a", "!x", "%", "{a: b}", "[a]", "0.1", "+1", "NaN", ".nan", "null # x"]
STYLES = ["plain", "single", "double"]


def _scalar(text: str, style: str) -> str:
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


@st.composite
def config_texts(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        indent = " " * draw(st.sampled_from([0, 0, 0, 2, 4, 1]))
        key = _scalar(draw(st.sampled_from(KEYS)), draw(st.sampled_from(STYLES)))
        value = _scalar(draw(st.sampled_from(VALUES)), draw(st.sampled_from(STYLES)))
        form = draw(st.sampled_from(["map", "map", "seq", "block", "empty"]))
        if form == "map":
            lines.append(f"{indent}{key}: {value}")
        elif form == "seq":
            lines.append(f"{indent}- {value}")
        elif form == "block":
            lines += [f"{indent}{key}: |", f"{indent}  {draw(st.sampled_from(VALUES))}"]
        else:
            lines.append(f"{indent}{key}:")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", " \n"]))


@settings(max_examples=600, deadline=None)
@given(config_texts())
def test_generated_configurations_read_as_ruamel_reads_them(text: str) -> None:
    same_as_ruamel(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:- '\"#\n|>~tTnN1.!&*{}[]%<=?,\\\t\r\x85é_/")),
               max_size=40))
def test_random_texts_read_as_ruamel_reads_them(text: str) -> None:
    same_as_ruamel(text)
