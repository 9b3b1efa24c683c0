"""Ignore rules: gitignore scoping and priority, costly patterns, config excludes, git index."""

from __future__ import annotations

import os
import struct
from hashlib import sha1, sha256
from pathlib import Path

import pytest

from gatekeeper import ignore
from gatekeeper.errors import ConfigError
from gatekeeper.ignore import (
    ExcludePatterns,
    IgnoreRules,
    compile_patterns,
    parse_git_index,
    pattern_too_costly,
)
from gatekeeper.repo import RepoIndex

FILE = 0o100644
LINK = 0o120000
GITLINK = 0o160000


def test_deeper_gitignore_wins_and_info_exclude_comes_last() -> None:
    rules = IgnoreRules()
    rules.add_info_exclude(b"*.tmp\n")
    rules.add("", b"*.log\r\n/anchored\nbuild/\n")
    rules.add("pkg", b"!keep.log\nlocal\n")

    assert rules.is_ignored("a.log", is_dir=False)
    assert not rules.is_ignored("pkg/keep.log", is_dir=False)
    assert rules.is_ignored("pkg/other.log", is_dir=False)
    assert rules.is_ignored("anchored", is_dir=False)
    assert not rules.is_ignored("pkg/anchored", is_dir=False)
    assert rules.is_ignored("pkg/build", is_dir=True)
    assert not rules.is_ignored("pkg/build", is_dir=False)  # `build/` matches directories only
    assert rules.is_ignored("pkg/local", is_dir=False)
    assert not rules.is_ignored("local", is_dir=False)
    assert rules.is_ignored("x.tmp", is_dir=False)
    assert not rules.is_ignored("x.py", is_dir=False)


def test_no_rules_ignore_nothing() -> None:
    rules = IgnoreRules()
    rules.add("", b"# only a comment\n\n")
    rules.add_info_exclude(b"")
    assert not rules.is_ignored("anything", is_dir=False)
    assert rules.notes == []


def test_matching_stops_once_the_budget_is_spent() -> None:
    rules = IgnoreRules(budget_seconds=0.0)
    rules.add("", b"*.log\n")

    assert rules.is_ignored("first.log", is_dir=False)  # the first match spends the budget
    assert rules.exhausted
    assert not rules.is_ignored("second.log", is_dir=False)
    assert rules.notes == [
        ".gitignore matching took over 0s; the rules were not applied to the rest of the tree "
        "(it is analyzed)"
    ]


def test_very_long_paths_are_not_matched() -> None:
    rules = IgnoreRules()
    rules.add("", b"*.log\n")
    long_path = "d/" * ignore.MAX_MATCH_PATH + "x.log"

    assert not rules.is_ignored(long_path, is_dir=False)
    assert not rules.is_ignored(long_path, is_dir=False)
    assert len(rules.notes) == 1
    assert not ExcludePatterns(["*.log"]).matches(long_path, is_dir=False)


@pytest.mark.parametrize(
    ("pattern", "costly"),
    [
        ("*.py", False),
        ("*secret*", False),
        ("**/build/**", False),
        ("a/**/b/**/c/**/d", False),
        ("# *a*a*a*a comment", False),
        ("", False),
        ("*a*a*b", True),
        ("a**b*c*d", True),
        ("**/a/**/b/**/c/**/d", True),
    ],
)
def test_pattern_too_costly(pattern: str, costly: bool) -> None:
    assert pattern_too_costly(pattern) is costly


def test_compile_patterns_drops_invalid_costly_and_excess_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ignore, "MAX_PATTERNS_PER_FILE", 2)
    spec, notes = compile_patterns(
        ["a", "\\", "*x*x*x", "# comment", "b", "c", "d"], source="sub/.gitignore"
    )
    assert [pattern.pattern for pattern in spec.patterns] == ["a", "b"]
    assert notes == [
        "sub/.gitignore:2: invalid pattern not applied",
        "sub/.gitignore:3: pattern not applied: more than 2 '*' or 3 '**' wildcards",
        "sub/.gitignore: only the first 2 patterns were applied",
    ]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a\nb", "line break"),
        ("*a*a*a", "wildcards"),
        ("\\", "not valid gitignore syntax"),
    ],
)
def test_bad_exclude_patterns_are_config_errors(pattern: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ExcludePatterns([pattern])


def test_exclude_patterns_match_like_gitignore() -> None:
    patterns = ExcludePatterns(["generated/", "!generated/keep.py", "/top.py"])
    assert patterns.matches("generated", is_dir=True)
    assert not patterns.matches("generated", is_dir=False)
    assert patterns.matches("top.py", is_dir=False)
    assert not patterns.matches("sub/top.py", is_dir=False)
    assert not ExcludePatterns([]).matches("anything", is_dir=False)


# ---------------------------------------------------------------------------- git index


def _varint(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        value -= 1
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out)


def git_index(
    entries: list[tuple[str, int]],
    *,
    version: int = 2,
    hash_size: int = 20,
    extended: bool = False,
    extension: bytes = b"",
    skip_hash: bool = False,
) -> bytes:
    """A .git/index as git writes it: sorted entries, NUL padding (v2/v3), v4 prefix compression."""
    body = bytearray(b"DIRC" + struct.pack(">II", version, len(entries)))
    previous = b""
    for path, mode in sorted(entries):
        name = os.fsencode(path)
        flags = min(len(name), 0xFFF) | (0x4000 if extended else 0)
        entry = bytearray(struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, 0))
        entry += bytes(hash_size) + struct.pack(">H", flags)
        if extended:
            entry += b"\0\0"
        if version == 4:
            common = next(
                (i for i, (a, b) in enumerate(zip(previous, name, strict=False)) if a != b),
                min(len(previous), len(name)),
            )
            entry += _varint(len(previous) - common) + name[common:] + b"\0"
        else:
            entry += name
            entry += b"\0" * (8 - len(entry) % 8)
        body += entry
        previous = name
    body += extension
    if skip_hash:
        return bytes(body) + bytes(hash_size)
    digest = sha1(body).digest() if hash_size == 20 else sha256(body).digest()
    return bytes(body) + digest


def write(root: Path, rel: str, data: bytes | str = "x = 1\n") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def paths(index: RepoIndex) -> list[str]:
    return [entry.path for entry in index.files]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo_root = tmp_path / "repo"
    repo_root.mkdir()
    return repo_root


def test_tracked_files_are_never_treated_as_ignored(root: Path) -> None:
    # `git add -f` puts a file in the repo despite .gitignore; it must still be audited.
    write(root, ".gitignore", "*.py\nsecret/\n")
    for rel in ("hidden.py", "secret/backdoor.py", "untracked.py", "venvlike/pyvenv.cfg"):
        write(root, rel)
    write(root, "venvlike/handler.go", "package main\n")
    tracked = [".gitignore", "hidden.py", "secret/backdoor.py", "venvlike/pyvenv.cfg"]
    write(root, ".git/index", git_index([(p, FILE) for p in tracked]))

    index = RepoIndex.build(root)

    assert paths(index) == [
        ".gitignore",
        "hidden.py",
        "secret/backdoor.py",
        "venvlike/handler.go",
        "venvlike/pyvenv.cfg",
    ]
    assert not any(entry.ignored for entry in index.files)
    assert dict(index.stats)["tracked"] == 4


def test_a_broken_git_index_is_noted_and_ignore_rules_still_apply(root: Path) -> None:
    write(root, ".gitignore", "*.log\n")
    write(root, "a.log")
    write(root, ".git/index", b"DIRC" + b"\0" * 40)

    index = RepoIndex.build(root)

    assert paths(index) == [".gitignore"]
    assert index.notes[0].startswith(".git/index not used (")


def test_an_index_that_is_a_link_is_not_read(root: Path, tmp_path: Path) -> None:
    write(tmp_path, "fake_index", git_index([("x.py", 0o100644)]))
    (root / ".git").mkdir()
    (root / ".git/index").symlink_to(tmp_path / "fake_index")

    index = RepoIndex.build(root)

    assert dict(index.stats)["tracked"] == 0
    assert "symbolic link" in index.notes[0]


@pytest.mark.parametrize("version", [2, 3, 4])
@pytest.mark.parametrize("hash_size", [20, 32])
def test_parse_git_index_versions_and_hashes(version: int, hash_size: int) -> None:
    long_dir = "d" * 300  # prefix compression with a multi-byte varint (v4)
    entries = [
        ("README.md", FILE),
        (f"{long_dir}/a.py", FILE),
        (f"{long_dir}/b.py", FILE),
        ("z/" + "e" * 200, FILE),
        ("link", LINK),
        ("submodule", GITLINK),
    ]
    data = git_index(
        entries,
        version=version,
        hash_size=hash_size,
        extended=version >= 3,
        extension=b"TREE" + struct.pack(">I", 3) + b"abc",
    )

    assert parse_git_index(data) == {
        "README.md",
        f"{long_dir}/a.py",
        f"{long_dir}/b.py",
        "z/" + "e" * 200,
        "link",
    }


def test_parse_git_index_with_skip_hash() -> None:
    assert parse_git_index(git_index([("a.py", FILE)], skip_hash=True)) == {"a.py"}
    sha256_zeros = git_index([("a.py", FILE)], hash_size=32, skip_hash=True)
    assert parse_git_index(sha256_zeros) == {"a.py"}


def test_parse_git_index_decodes_raw_bytes_like_the_walk() -> None:
    assert parse_git_index(git_index([("bad\udcff.py", FILE)])) == {"bad\udcff.py"}


def _resign(body: bytes) -> bytes:
    return body + sha1(body).digest()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no DIRC signature"),
        (b"PACK" + bytes(40), "no DIRC signature"),
        (b"DIRC" + struct.pack(">II", 5, 0) + bytes(20), "unsupported git index version 5"),
        (git_index([("a.py", FILE)])[:-1] + b"\1", "checksum"),
        (
            _resign(git_index([("a.py", FILE)])[:-20] + b"link" + struct.pack(">I", 0)),
            "split index",
        ),
        (_resign(b"DIRC" + struct.pack(">II", 2, 1000)), "entry count"),
        (git_index([("a.py", FILE)], extended=True), "extended flags in a version 2"),
        (
            _resign(git_index([("a.py", FILE)])[:-20] + b"TREE" + struct.pack(">I", 99)),
            "extensions",
        ),
        (
            _resign(git_index([("a.py", FILE)])[:-20].rstrip(b"\0")[:-4]),
            "unterminated|past the end",
        ),
        (_resign(git_index([("a.py", FILE)], version=4)[:-20].rstrip(b"\0")), "unterminated"),
    ],
)
def test_parse_git_index_rejects_malformed_data(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_git_index(data)


def test_parse_git_index_rejects_bad_prefix_compression() -> None:
    body = bytearray(git_index([("a.py", FILE)], version=4)[:-20])
    strip_at = 12 + 62  # the varint right after the first entry's flags
    body[strip_at] = 5  # strip 5 bytes from an empty previous path
    with pytest.raises(ValueError, match="prefix compression"):
        parse_git_index(_resign(bytes(body)))
