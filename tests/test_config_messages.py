"""Configuration errors that teach: the key path found, the key meant for a
near miss, the file's own line for a YAML error inside the rules block string,
and the word "tab" for a tab.  Each is a usage error: exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx:1}]\n"
PACK = "charts:\n  registry-connect:\n    config:\n      registry:\n"


def config_error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    result = run_cli(["-c", str(rules)], POD, env=env)
    assert result.returncode == 2
    assert result.stdout == b""
    [line] = result.stderr.decode().splitlines()
    prefix = f"registry-rewrite: error: configuration: {rules}: "
    assert line.startswith(prefix), line
    return line[len(prefix):]


def test_an_unknown_key_names_the_key_meant(tmp_path: Path) -> None:
    """The issue's own example (the schema's tests cover the other objects)."""
    message = config_error(tmp_path, 'imageReplacmentRules: |\n  "all": "m.example.com/x"\n')
    assert message.startswith(
        "unknown key 'imageReplacmentRules'; did you mean 'imageReplacementRules'? (a rules "
        "file holds: allow, ")


@pytest.mark.parametrize(("text", "found"), [
    (PACK + '        imageReplacmentRules: |\n          "all": "m.example.com/x"\n',
     "found 'charts.registry-connect.config.registry.imageReplacmentRules'; "
     "did you mean 'imageReplacementRules'?"),
    ("charts:\n  registry-conect:\n    config: {}\n",
     "found 'charts.registry-conect'; did you mean 'registry-connect'?"),
    ("charts:\n  registry-connect:\n    config:\n      registries: {}\n",
     "found 'charts.registry-connect.config.registries'; did you mean 'registry'?"),
    ("charts:\n  other-pack: {}\n  another: {}\n",
     "'charts' has no 'registry-connect' (it has: another, other-pack)"),
])
def test_a_pack_values_file_names_the_key_path_found(tmp_path: Path, text: str, found: str) -> None:
    assert config_error(tmp_path, text) == (
        "a pack values file must hold "
        f"charts.registry-connect.config.registry.imageReplacementRules; {found}")


def test_a_function_config_key_near_miss() -> None:
    resource_list = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
                     "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n"
                     "  metadata: {name: c}\n  data:\n    imageReplacementRule: |\n"
                     '      "all": "m.example.com/x"\n')
    result = run_cli([], resource_list)
    assert result.returncode == 1
    assert ("unknown key 'imageReplacementRule'; did you mean 'imageReplacementRules'?"
            in result.stderr.decode())


# --- YAML errors inside the block string: the file's line ---

@pytest.mark.parametrize(("text", "where"), [
    # line 5 is the rule without a colon; the parser notices at the line after it
    ('# mirrors\n\nimageReplacementRules: |\n  "all": "m.example.com/x"\n  "quay.io" "q"\n'
     '  "gcr.io": "g.example.com/g"\n',
     "imageReplacementRules (block string): not valid YAML: while scanning a simple key "
     "(line 5, column 3): could not find expected ':' (line 6, column 3)"),
    (PACK + '        imageReplacementRules: |\n          "all": "m.example.com/x"\n\n'
     '          "quay.io": ["q"\n',
     "charts.registry-connect.config.registry.imageReplacementRules (block string): "
     "not valid YAML: while parsing a flow sequence (line 8, column 22): "),
])
def test_a_yaml_error_in_the_block_string_names_the_files_line(
    tmp_path: Path, text: str, where: str
) -> None:
    assert config_error(tmp_path, text).startswith(where)


@pytest.mark.parametrize(("text", "place"), [
    # a tab inside the block string, after its indentation
    ('imageReplacementRules: |\n  "all": "m.example.com/x"\n  \t"quay.io": "q.example.com/q"\n',
     "(a tab: YAML indents with spaces only) (line 3, column 3)"),
    # a tab indenting the block string's lines
    ('imageReplacementRules: |\n  "all": "m.example.com/x"\n\t"quay.io": "q.example.com/q"\n',
     "found a tab character where an indentation space is expected (line 3, column 1)"),
    # a tab indenting the file itself
    ('imageReplacementRules:\n\t"all": "m.example.com/x"\n',
     "(a tab: YAML indents with spaces only) (line 2, column 1)"),
    ("allow:\n\t- m.example.com\nimageReplacementRules: {}\n",
     "(a tab: YAML indents with spaces only) (line 2, column 1)"),
])
def test_a_tab_is_called_a_tab(tmp_path: Path, text: str, place: str) -> None:
    assert config_error(tmp_path, text).endswith(place)
