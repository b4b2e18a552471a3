"""The fast reader (post_renderer/yaml/fast.py) against libyaml, the oracle.

Whenever the fast reader accepts a text, libyaml must accept it too and build
the same Located: values, spans, styles, lines, key order and types, and the
collection spans when asked (`located.check`).  Whatever libyaml refuses the
fast reader must refuse, so that libyaml's error is the one reported.  The
texts: every document of the corpus and of fixtures/, hand-picked edges,
generated near-subset documents with adversarial twists, and random edits
of corpus documents.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, cli_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from located import check

from post_renderer.yaml.fast import read
from post_renderer.yaml.split import split_documents
from post_renderer.yaml.toplevel import top_level, top_level_fast, top_level_libyaml


def _documents(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        with path.open("rb") as stream:
            for chunk in split_documents(stream):
                try:
                    found.append(chunk.data.decode("utf-8"))
                except UnicodeDecodeError:
                    pass
    return found


CORPUS_FILES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []
CORPUS_DOCS = _documents(CORPUS_FILES)
FIXTURE_DOCS = _documents(sorted(FIXTURES.rglob("*.yaml")))
needs_corpus = pytest.mark.skipif(not CORPUS_DOCS, reason=(
    f"needs the rendered charts in {CORPUS}, which only the project's shared machines have"))


@needs_corpus
def test_every_corpus_document_reads_as_libyaml_reads_it() -> None:
    accepted = [check(text) for text in CORPUS_DOCS]
    with_images = [ok for ok, text in zip(accepted, CORPUS_DOCS, strict=True) if "image" in text]
    # The subset is worth having only if it covers the documents that get parsed.
    assert sum(with_images) >= 0.95 * len(with_images), (sum(with_images), len(with_images))
    assert sum(accepted) >= 0.9 * len(accepted)


def test_every_fixture_document_reads_as_libyaml_reads_it() -> None:
    accepted = [check(text) for text in FIXTURE_DOCS]
    assert sum(accepted) >= len(accepted) // 2  # many fixtures are adversarial on purpose


# Texts the reader must get exactly right or refuse; the comment says which.
EDGES = [
    "a: b\n",  # accepted
    "---\napiVersion: v1\nkind: Pod\n",  # accepted
    "--- # comment\na: b\n",  # accepted
    "a:\n",  # an empty value at the end
    "a:\nb: c\n",  # an empty value
    "a:   \n  # only a comment\nb:\n",
    "a:\n- b\n-\n- c\nd: e\n",  # an indentless sequence with an empty entry
    "a:\n  - b\n  -\n",
    "a:\n  -\n    b: c\n",
    "- a\n",  # a root sequence: refused
    "a:\n  - - b\n    - c\n  - - d: e\n      f: g\n",
    "a: b #c\nd: 'e''f' # g\nh: \"i # j\"\n",
    "a: b#c\nd: e:f\ng: h :i\nk: :9121\nl: ?x\nm: -1\n",
    "a: b: c\n", "a: b:\n", "a: 'b\n", "a: \"b\\\"c\"\n", "a:b\n",  # refused or errors
    "a: b\na: c\n", "a:\n  b: 1\n  b: 2\n", "a: {b: 1, b: 2}\n",  # duplicates
    "\"a\": b\n'c''d': e\n\"\": f\n",
    "a: |\n  x\n   y\n\n  z\n\n\nb: c\n",
    "a: |-\n  x\n  \n",
    "a: |\n\n  x\n",  # a leading blank line
    "a: |\n    \n  x\n",  # a blank line wider than the content: libyaml errs
    "a: |\n  x\n     \nb: c\n",  # a line of spaces wider than the indentation is content
    "a: |\nb: c\n", "a: |\n", "a: |2\n  x\n", "a: >\n  x\n", "a: |+\n  x\n\n",
    "- a: |\n    x\n  b: c\n",
    "a:\n- |\n  x\n- y\n",
    "a: [b, \"c\", 'd', e f]\ng: {h: i, j: \"k\"}\nl: []\nm: {}\nn: [ ]\n",
    "a: [b, [c, d], {e: f}]\n",
    "a: [b,]\n", "a: [b c: d]\n", "a: {b}\n", "a: [b]c\n", "a: [b] #c\n", "a: [b]#c\n",
    "a: [b\n  ]\n", "a: {b: c:d}\n", "a: [b:c]\n", "a: [b?c]\n",
    "a:\n  {}\nb:\n  [c]\nd:\n  \"e\"\nf:\n  g\n",  # a value on the line after its key
    "a:\n  g\n  h\n",  # a multi-line plain scalar
    "a:\n  b: c\n d: e\n", "a: b\n  c: d\n", "- a\n  - b\n",  # odd indentation
    "a: b\n...\n", "a: b\n---\nc: d\n", "%YAML 1.1\n---\na: b\n", "...: x\n",
    "a: &x b\nc: *x\n", "a: !!str b\n", "<<: {a: b}\n", "a: !!binary aW1hZ2U=\n",
    "a:\tb\n", "a: b\r\n", "a: b\x85c\n", "a: b\u2028c\n", "\ufeffa: b\n", "a: \ufeffb\n",
    "a: b\x00\n", "a: b", "", "\n", "# only a comment\n",
    "a: caf\u00e9 \U0001f600\n", "a: \u00a0b\n",
    "a: b\n  # deeper comment\nc: d\n",
    "a:\n    b: c\n    d:\n    - e\n    f: g\n",
    "-a: b\n", ".a: b\n", "a/b.c_d-e: f\n", "1: 2\n", "a b: c\n",
    "a: `b`\n", "a: @b\n", "a: %b\n", "a: ,b\n", "a: [b], c\n", "a: b, [c]\n", "a: b]\n",
    "x" * 1100 + ": y\n",
    # scalars folded over lines, as go-yaml writes long strings
    "a: b\n  c\n   d\ne: f\n", "a: b  \n  c\n", "a: b\n\n  c\n", "a: b\n  \n\n  c\nd: e\n",
    "a: b\n  c: d\n", "a: b\n  c #d\n", "a: b #c\n  d\n", "a: b\n  # c\n  d\n", "a: b\n  - c\n",
    "- a\n  b\n- c\n", "- a: b\n   c\n", "- a: b\n  c\n", "a:\n  b\n  c\n", "a: b\n  'c'\n",
    "a: b\n\n", "a: b\n  c:\n", "a: b\n  :c\n", "a: b\n  [c]\n",
    "a: 'b\n  c'\n", "a: 'b  \n   c  '\nd: e\n", "a: 'b\n\n  c'\n", "a: 'b\n  \n\n c'\n",
    "a: 'b\nc'\n", "a: 'b\n  c''d\n  e'\n", "a: 'b\n  c' #d\n", "a: 'b\n  c'd\n",
    "a: \"b\n  c\"\n", "a: \"b\\\n  c\"\n", "a: \"b\n  c\\\"d\"\n", "a: 'b\n", "- 'a\n  b'\n",
    "a:\n  'b\n  c'\n", "a: '\n  b'\n", "a: 'b\n  '\n", "a: 'b\n  c\n",
    # empty literal block scalars
    "a: |\nb: c\n", "a: |-\n\n\nb: c\n", "a: |\n", "a: |\n\n", "a: |\n    \nb: c\n",
    "a:\n  b: |\n  c: d\n", "- |\n- a\n",
    # `<<` in any quoting, anywhere: libyaml's to read
    '"<<": {kind: Secret}\napiVersion: v1\n', "'<<': x\nkind: Pod\n", "a:\n- '<<': b\n",
    "a: {'<<': b}\n", 'a: {"<<": [b]}\n', "a: [{'<<': b}]\n",
]


@pytest.mark.parametrize("text", EDGES)
def test_edges(text: str) -> None:
    check(text)


def test_the_subset_is_taken() -> None:
    """The checks above mean something only if the reader does accept."""
    taken = ["a: b\n", "a:\n- b\n-\n- c\nd: e\n", "a: |\n  x\n   y\n\n  z\n\n\nb: c\n",
             "a: [b, \"c\", 'd', e f]\ng: {h: i, j: \"k\"}\nl: []\nm: {}\nn: [ ]\n",
             "a:\n  - - b\n    - c\n  - - d: e\n      f: g\n", "a: caf\u00e9 \U0001f600\n"]
    assert all(check(text) for text in taken)
    taken += ["a:\n  g\n\n  h\n", "a: 'b  \n   c  '\nd: e\n", "a: |-\n\n\nb: c\n"]
    refused = ["a: b\na: c\n", "a:\tb\n", "a: b\r\n", "a: &x b\nc: *x\n", "a: >\n  x\n"]
    assert not any(check(text) for text in refused)


# A run of spaces (`{s}`) that a pattern could split many ways, then what no
# pattern takes there: each split retried would cost the run's square.
SPACE_RUNS = [
    "{s}&\n", "a:{s}&x b\n", "x:\n-{s}&\n", "x:\n- a:{s}&\n", "x:\n- -{s}&\n",
    "x: a\n{s}&b: c\n", "x: {s}!\n", "x: a{s}b: c\n", "x: a{s}#c{s}!\n", "x: 'a'{s}b\n",
    "x: [{s}!]\n", "x: {{a:{s}!}}\n", "x: [a]{s}!\n", "x: [a,{s}b{s}!]\n",
    "x: {{a: b{s}!}}\n", "x: [[a]{s}!]\n", "x: 'a\n{s}&b'\n", "x: a\n  b{s}:\n",
    "x: |\n  a\n{s}!\n", "---{s}!\n", "--- {s}#c\n{s}!\n", "'a'{s}: b\n",
]


def test_a_run_of_spaces_costs_its_length() -> None:
    """Every SPACE_RUNS text with a run of 200 000 spaces, in a child
    process bounded in time: a quadratic pattern takes hours on these."""
    child = ("import json, sys\n"
             "from post_renderer.yaml.fast import read\n"
             "for template in json.load(sys.stdin):\n"
             "    for spans in (False, True):\n"
             "        read(template.format(s=' ' * 200_000), spans)\n")
    done = subprocess.run([sys.executable, "-c", child], input=json.dumps(SPACE_RUNS).encode(),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize("template", SPACE_RUNS)
def test_a_run_of_spaces_reads_as_libyaml_reads_it(template: str) -> None:
    for width in (0, 1, 2, 5):
        check(template.format(s=" " * width))


HOSTILE = {
    "a line that fails at its end": "a: " + "x " * 300_000 + "y:\n",
    "a flow sequence that fails at its end": "a: [" + "x " * 300_000 + "!]\n",
    "an unclosed quote": "a: '" + "x" * 600_000 + "\n",
    "a plain scalar over many lines": "a: x\n" + "  x\n" * 150_000,
    "a quoted scalar over many lines": "a: 'x\n" + "  x\n" * 150_000 + "  '\n",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_costs_its_length(name: str) -> None:
    """A retried search or a repeated copy would make these quadratic:
    minutes, not the fraction of a second they take."""
    started = time.process_time()
    read(HOSTILE[name], False)
    assert time.process_time() - started < 10


def test_top_level_answers_as_from_libyaml_events() -> None:
    """The pre-parse test reads `kind` and `apiVersion` from the fast
    reader's tree when it can: the answer must be the events' answer."""
    texts = [*CORPUS_DOCS, *FIXTURE_DOCS, *EDGES, "kind: a\nitems: []\napiVersion: {b: c}\n",
             "apiVersion: 'v1'\nkind: \"ConfigMap\"\n", "a: {kind: b}\nkind: c\n",
             "\"<<\": {kind: Secret}\napiVersion: v1\n", "kind: Pod\n'<<': {kind: Secret}\n"]
    taken = 0
    for text in texts:
        taken += _top_level_agrees(text)
        data = text.encode("utf-8", "surrogatepass")
        assert top_level(data) == top_level_libyaml(data), text
    assert taken >= len(texts) // 2


def _top_level_agrees(text: str) -> bool:
    """Assert that the fast reader's answer, when it gives one, is the
    events' answer; True when it gave one."""
    data = text.encode("utf-8", "surrogatepass")
    fast = top_level_fast(data)
    if fast is not None:
        assert fast == top_level_libyaml(data), text
    return fast is not None


def _key(form: str, length: int) -> str:
    """A key `length` characters long from its first character to its `:`."""
    if form == "plain":
        return "k" * length
    if form == "single":  # `''` pairs: one character of value, two of key
        return "'" + "''" * ((length - 2) // 2) + "k" * (length % 2) + "'"
    # "wide": two bytes each in UTF-8, one character each for libyaml
    return '"' + ("\u00e9" if form == "wide" else "k") * (length - 2) + '"'


KEY_PLACES = {
    "block": "{key}: v\n",
    "under a dash": "a:\n- {key}: v\n",
    "in a flow mapping": "a: {{{key}: v}}\n",
    "after spaces in a flow mapping": "a: {{   {key}: v}}\n",
    "in a nested flow mapping": "a: [b, {{c: [d], {key}: v}}]\n",
}


@pytest.mark.parametrize("place", KEY_PLACES)
@pytest.mark.parametrize("form", ["plain", "single", "double", "wide"])
def test_a_simple_key_ends_within_1024_characters(place: str, form: str) -> None:
    """libyaml measures a simple key from its first character to its `:`,
    in characters, whatever the quoting: 1024 is a key, 1025 an error."""
    at_limit = KEY_PLACES[place].format(key=_key(form, 1024))
    past = KEY_PLACES[place].format(key=_key(form, 1025))
    assert len(_key(form, 1024)) == 1024 and len(_key(form, 1025)) == 1025
    assert check(at_limit)
    assert not check(past)


# Generated documents: a tree rendered with random layout choices, then twisted.

WORDS = st.from_regex(r"[a-z0-9][a-z0-9._/-]{0,5}", fullmatch=True)
NOISE = st.text(alphabet="ab :#'\"[]{},&*!|>%@`?-.\\\t\r\x85\u2028\ufeff~\u00e9", max_size=6)
# Clean trees are mostly in the subset, so that the comparison has much to
# compare; noisy ones add YAML's indicators and the characters it refuses.
EDGY = st.sampled_from(["", "-", "--x", ":x", "x:", "a b", "#", "a #b", "a#b", "x: y", "1.0",
                        "~", "'", '"', "é", "a  b", "a b c d", "a - b", "a 'b' c", "a: b c"])


def _trees(scalars: st.SearchStrategy[str], keys: st.SearchStrategy[str]) -> st.SearchStrategy:
    return st.recursive(scalars, lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(keys, children, min_size=1, max_size=3)), max_leaves=12)


WORDY = _trees(WORDS, WORDS)
CLEAN = _trees(st.one_of(WORDS, WORDS, WORDS, EDGY), WORDS)
NOISY = _trees(st.one_of(WORDS, NOISE, EDGY), st.one_of(WORDS, WORDS, NOISE))


def _scalar(value: str, rng: random.Random) -> str:
    style = rng.choice("ppppsdb")
    if style == "s":
        return "'" + value.replace("'", "''") + "'"
    if style == "d":
        return '"' + value + '"'
    return value


def _flow(node: object, rng: random.Random) -> str:
    """`node` as one flow collection or scalar, with random spacing."""
    gap = rng.choice(["", " ", "  "])
    if isinstance(node, dict):
        entries = [f"{_scalar(str(k), rng)}:{rng.choice([' ', '  ', ''])}{_flow(v, rng)}"
                   for k, v in node.items()]
        return "{" + gap + f"{gap},{rng.choice([' ', ''])}".join(entries) + gap + "}"
    if isinstance(node, list):
        return "[" + gap + f"{gap}, ".join(_flow(v, rng) for v in node) + gap + "]"
    return _scalar(str(node), rng)


def _render(node: object, indent: int, rng: random.Random, out: list[str], lead: str) -> None:
    """Lines for `node` at `indent`; `lead` is what opens its first line
    (`key:`, `- ` or nothing)."""
    pad = " " * indent
    step = rng.choice([1, 2, 2, 2, 3, 4])
    if rng.random() < 0.1:
        out.append(pad + rng.choice(["# c", "", "  ", "   # c"]))
    if isinstance(node, (dict, list)) and lead and rng.random() < 0.25:
        out.append(f"{pad}{lead} {_flow(node, rng)}")
        return
    if isinstance(node, dict):
        if lead:
            out.append(pad + lead)
            pad, indent = pad + " " * step, indent + step
        for key, value in node.items():
            _render(value, indent, rng, out, _scalar(key, rng) + ":")
        return
    if isinstance(node, list):
        if lead:
            out.append(pad + lead)
            indentless = lead.endswith(":") and rng.random() < 0.5
            pad, indent = (pad, indent) if indentless else (pad + " " * step, indent + step)
        for value in node:
            _render(value, indent, rng, out, "-")
        return
    text = str(node)
    if rng.random() < 0.15:
        block = [pad + " " * step + part for part in text.split(" ")] + [""] * rng.randint(0, 2)
        out.append(f"{pad}{lead} {rng.choice(['|', '|-', '|+', '>'])}")
        out.extend(block)
        return
    if " " in text and rng.random() < 0.3:  # folded over lines, as go-yaml folds long strings
        text = "".join(part + rng.choice([" ", "\n", "\n", "\n\n", "\n  \n"])
                       + " " * rng.randint(0, indent + 2 * step) for part in text.split(" "))
        text = text.rstrip(" ").replace("\n", "\n" + pad)
    out.append(f"{pad}{lead} {_scalar(text, rng)}{rng.choice(['', '', ' # c', '  ', '#c'])}")


def _twist(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        at = rng.randrange(len(text) + 1)
        edit = rng.random()
        if edit < 0.4:
            text = text[:at] + rng.choice(" \n-:#'\"[]{},&*!|>%@`?\t\r\x85\u2028\ufeff.x") \
                + text[at:]
        elif edit < 0.7:
            text = text[:at] + text[at + 1:]
        else:
            lines = text.split("\n")
            row = rng.randrange(len(lines))
            lines.insert(row, lines[row] if rng.random() < 0.5 else rng.choice(
                ["---", "...", "  ", "# c", "%YAML 1.1", "a: b", "- x", "x: &a y", "y: *a"]))
            text = "\n".join(lines)
    return text


# Top-level keys as written: the ones top_level looks for, in any quoting.
TOP_KEYS = st.one_of(WORDS, st.sampled_from(
    ["kind", "apiVersion", "items", "'kind'", '"apiVersion"', "<<", "'<<'", '"<<"']))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(TOP_KEYS, st.one_of(WORDY, CLEAN, NOISY), min_size=1, max_size=4),
       rng=st.randoms(),
       start=st.sampled_from(["", "---\n", "--- # c\n", "# c\n"]))
def test_generated_documents(tree: dict[str, object], rng: random.Random, start: str) -> None:
    out: list[str] = []
    for key, value in tree.items():
        _render(value, 0, rng, out, key + ":")
    text = _twist(start + "\n".join(out) + "\n", rng)
    check(text)
    _top_level_agrees(text)


@needs_corpus
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(min_value=0), rng=st.randoms())
def test_edited_corpus_documents(index: int, rng: random.Random) -> None:
    text = _twist([t for t in CORPUS_DOCS if "image" in t][index % 40], rng)
    check(text)
    _top_level_agrees(text)


def test_a_run_in_the_subset_never_imports_libyaml(tmp_path: Path) -> None:
    """The binding (and the ruamel.yaml package it pulls in) costs every run
    its import: a stream the fast reader takes must not need it."""
    stream = tmp_path / "pods.yaml"
    stream.write_text("".join(
        f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n"
        f"  - name: c\n    image: quay.io/org/app{i}:v1\n    args: [\"--x\", y]\n"
        for i in range(20)))
    # The installed console script, with Python listing every module it imports.
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *cli_command(), "--rule",
         "quay.io=mirror.example.com/q"],
        input=stream.read_bytes(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert b"mirror.example.com/q/org/app19:v1" in done.stdout
    imported = [line.rpartition("|")[2].strip() for line in done.stderr.decode().splitlines()
                if line.startswith("import time:")]
    assert "post_renderer.yaml.fast" in imported
    assert [name for name in imported if "ruamel" in name] == []
