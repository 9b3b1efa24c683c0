"""yamlsafe: the caps, duplicate-key and YAML 1.2 rules hold on hostile and ordinary input."""

from __future__ import annotations

import math

import pytest

from gatekeeper.errors import GatekeeperError
from gatekeeper.yamlsafe import (
    DataFormatError,
    YamlError,
    load_json,
    load_yaml,
    load_yaml_all,
    load_yaml_all_with_lines,
    load_yaml_with_lines,
)

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_before_expansion() -> None:
    assert len(BILLION_LAUGHS) < 600
    with pytest.raises(YamlError) as caught:
        load_yaml(BILLION_LAUGHS, path="compose.yml")
    error = caught.value
    assert error.path == "compose.yml"
    assert error.line is not None and error.line < 9  # stopped mid-document, not at the end
    assert "more than 200000 nodes" in error.message
    assert "billion laughs" in error.message
    assert str(error).startswith(f"compose.yml:{error.line}: ")
    assert isinstance(error, DataFormatError) and isinstance(error, GatekeeperError)


def test_alias_count_is_capped() -> None:
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(YamlError, match="more than 100 aliases"):
        load_yaml(text, path="f.yml")
    assert load_yaml(text, path="f.yml", max_aliases=200) == {"a": "x", "b": ["x"] * 101}


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlError, match="recursive structure"):
        load_yaml("a: &a [1, *a]\n", path="f.yml")


def test_aliases_and_merge_keys_still_work() -> None:
    text = "base: &base {image: app, port: 80}\nweb:\n  <<: *base\n  port: 8080\n"
    assert load_yaml(text, path="f.yml") == {
        "base": {"image": "app", "port": 80},
        "web": {"image": "app", "port": 8080},
    }


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deep_nesting_is_capped(depth: int) -> None:
    with pytest.raises(YamlError, match="nest"):
        load_yaml("[" * depth + "]" * depth, path="deep.yml")


def test_block_nesting_is_capped_with_line() -> None:
    text = "\n".join("  " * level + f"k{level}:" for level in range(70))
    with pytest.raises(YamlError, match="deeper than 64 levels") as caught:
        load_yaml(text, path="deep.yml")
    assert caught.value.line == 64
    assert load_yaml("[" * 64 + "]" * 64, path="ok.yml") is not None


def test_duplicate_keys_name_the_key_and_both_lines() -> None:
    text = "services:\n  web:\n    image: a\n  db:\n    image: b\n  web:\n    image: c\n"
    with pytest.raises(YamlError) as caught:
        load_yaml(text, path="compose.yml")
    assert caught.value.line == 6
    assert "duplicate key 'web'" in caught.value.message
    assert "line 2" in caught.value.message and "line 6" in caught.value.message


def test_duplicate_keys_in_a_flow_mapping() -> None:
    with pytest.raises(YamlError, match="duplicate key 'a'"):
        load_yaml("{a: 1, b: 2, a: 3}", path="f.yml")


def test_yaml_1_1_booleans_stay_strings() -> None:
    text = "on:\n  push: {}\nyes: no\ny: n\noff: On\nenabled: true\ndisabled: False\n"
    data = load_yaml(text, path=".github/workflows/ci.yml")
    assert data == {
        "on": {"push": {}},
        "yes": "no",
        "y": "n",
        "off": "On",
        "enabled": True,
        "disabled": False,
    }


def test_core_schema_scalars() -> None:
    text = (
        "ports: 22:22\noctal: 010\nhex: 0x1F\nneg: -7\nnew_octal: 0o17\nfloat: 1.5e3\n"
        "inf: -.inf\nnan: .NaN\nnothing: ~\nempty:\n"
        "date: 2024-01-02\nstamp: !!timestamp 2024-01-02\n"
    )
    data = load_yaml(text, path="f.yml")
    assert isinstance(data, dict)
    assert data["ports"] == "22:22"  # YAML 1.1 would make this sexagesimal 1342
    assert data["octal"] == 10
    assert data["hex"] == 31 and data["neg"] == -7 and data["new_octal"] == 15
    assert data["float"] == 1500.0 and data["inf"] == -math.inf and math.isnan(data["nan"])
    assert data["nothing"] is None and data["empty"] is None
    assert data["date"] == "2024-01-02" and data["stamp"] == "2024-01-02"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: !!bool yes", "not a boolean"),
        ("x: !!int 1_000", "invalid integer"),
        ("x: !!float abc", "not a number"),
        ("x: " + "9" * 5000, "invalid integer"),
    ],
)
def test_bad_explicit_scalars(text: str, message: str) -> None:
    with pytest.raises(YamlError, match=message):
        load_yaml(text, path="f.yml")


def test_python_tags_are_refused() -> None:
    with pytest.raises(YamlError, match="unsupported YAML") as caught:
        load_yaml("x: !!python/object/apply:os.system ['id']\n", path="f.yml")
    assert caught.value.line == 1


def test_local_tags_only_when_asked() -> None:
    text = "Table: !Ref Todos\nArn: !GetAtt [Todos, Arn]\nSub: !Sub {a: 1}\n"
    with pytest.raises(YamlError, match="'!Ref'"):
        load_yaml(text, path="template.yaml")
    assert load_yaml(text, path="template.yaml", local_tags=True) == {
        "Table": "Todos",
        "Arn": ["Todos", "Arn"],
        "Sub": {"a": 1},
    }


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: [1, 2\nb: 3\n", 2), ("a: *missing\n", 1), ("a: 1\n---\nb: 2\n", 2), ("? [a]\n: 1", 1)],
)
def test_invalid_yaml_reports_file_and_line(text: str, line: int) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text, path="bad.yml")
    assert caught.value.path == "bad.yml"
    assert caught.value.line == line


def test_control_characters_are_invalid() -> None:
    with pytest.raises(YamlError, match="invalid YAML") as caught:
        load_yaml("a: \x07\n", path="bad.yml")
    assert caught.value.line is None


def test_multi_document_streams() -> None:
    text = "kind: Deployment\n---\nkind: Service\n---\n"
    assert load_yaml_all(text, path="k8s.yaml") == [
        {"kind": "Deployment"},
        {"kind": "Service"},
        None,
    ]
    assert load_yaml("", path="empty.yml") is None
    assert load_yaml_all("", path="empty.yml") == []


def test_caps_apply_across_documents() -> None:
    doc = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a]\n"
    text = "---\n".join([doc] * 30)
    with pytest.raises(YamlError, match="more than 100 aliases"):
        load_yaml_all(text, path="many.yaml")


def test_line_maps() -> None:
    text = "services:\n  db:\n    image: postgres\n    ports:\n      - 5432\n"
    data, lines = load_yaml_with_lines(text, path="compose.yml")
    assert data == {"services": {"db": {"image": "postgres", "ports": [5432]}}}
    assert lines[("services",)] == 1
    assert lines[("services", "db", "image")] == 3
    assert lines[("services", "db", "ports", 0)] == 5
    assert load_yaml_with_lines("", path="e.yml") == (None, {})
    docs = load_yaml_all_with_lines("kind: A\n---\n\nkind: B\n", path="k.yaml")
    assert [lines for _, lines in docs] == [{("kind",): 1}, {("kind",): 4}]


# ---------------------------------------------------------------------------- JSON


def test_json_loads_plain_documents() -> None:
    assert load_json('{"a": [1, 2, {"b": null}], "c": "x\\"y:"}', "p.json") == {
        "a": [1, 2, {"b": None}],
        "c": 'x"y:',
    }


def test_json_duplicate_keys_name_both_lines() -> None:
    text = '{\n  "dependencies": {"express": "4"},\n  "name": "x",\n  "dependencies": {}\n}'
    with pytest.raises(DataFormatError) as caught:
        load_json(text, "package.json")
    assert caught.value.line == 4
    assert "duplicate key 'dependencies'" in caught.value.message
    assert "line 2" in caught.value.message and "line 4" in caught.value.message


def test_json_duplicates_in_nested_objects_and_escapes() -> None:
    with pytest.raises(DataFormatError, match="duplicate key 'a'"):
        load_json('{"x": {"a": 1, "\\u0061": 2}}', "p.json")
    # Same key in different objects is fine.
    assert load_json('[{"a": 1}, {"a": 2}]', "p.json") == [{"a": 1}, {"a": 2}]


def test_json_duplicate_keys_split_across_lines() -> None:
    with pytest.raises(DataFormatError, match="first on line 1, again on line 1"):
        load_json('{"a": 1, "a"\n\n: 2}', "p.json")


@pytest.mark.parametrize("depth", [65, 100_000])
def test_json_depth_is_capped(depth: int) -> None:
    with pytest.raises(DataFormatError, match="nested deeper than 64") as caught:
        load_json("[" * depth + "]" * depth, "deep.json")
    assert caught.value.line == 1
    assert load_json("[" * 64 + "]" * 64, "ok.json") is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [('{"a": [1, 2', "invalid JSON"), ('{"n": 1' + "0" * 5000 + "}", "invalid JSON")],
)
def test_invalid_json(text: str, message: str) -> None:
    with pytest.raises(DataFormatError, match=message):
        load_json(text, "bad.json")
