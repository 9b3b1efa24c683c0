"""RepoIndex on hostile trees generated in tmp_path: links, FIFOs, caps, ignore rules, odd names."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import stat
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

import pytest

from gatekeeper import repo
from gatekeeper.errors import ConfigError, UnsafePathError, UsageError
from gatekeeper.repo import (
    BinaryFileError,
    FileEntry,
    FileTooLargeError,
    RepoIndex,
    cap_for,
    decode_source,
    display_path,
    evidence_kind,
    language_for,
    safe_read,
)


def write(root: Path, rel: str, data: bytes | str = "x = 1\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def paths(index: RepoIndex) -> list[str]:
    return [entry.path for entry in index.files]


def links(index: RepoIndex) -> dict[str, str]:
    return {link.path: link.kind for link in index.links}


def reasons(index: RepoIndex) -> dict[str, str]:
    return {item.path: item.reason for item in index.unanalyzed}


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail instead of hanging if anything opens a FIFO for reading."""

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError("the walk blocked (it opened something it must not)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 20)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo_root = tmp_path / "repo"
    repo_root.mkdir()
    return repo_root


# ---------------------------------------------------------------------------- symlinks


def test_links_out_of_the_root_are_escapes_and_never_read(root: Path, tmp_path: Path) -> None:
    write(tmp_path, "outside.txt", "secret\n")
    write(tmp_path, "outside_dir/stolen.py", "TOKEN = 1\n")
    write(root, "app.py")
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "out.txt").symlink_to("../outside.txt")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "ext").symlink_to(tmp_path / "outside_dir")

    index = RepoIndex.build(root)

    assert paths(index) == ["app.py"]
    assert links(index) == {
        "ext": "escapes",
        "out.txt": "escapes",
        "passwd.txt": "escapes",
        "zero.py": "escapes",
    }
    assert {link.path: link.target for link in index.links}["out.txt"] == "../outside.txt"
    for rel in ("passwd.txt", "out.txt", "zero.py", "ext/stolen.py"):
        with pytest.raises(UnsafePathError):
            safe_read(root, rel, 1 << 20)
        with pytest.raises(UnsafePathError):
            index.read_bytes(rel)


def test_dangling_and_looping_links(root: Path) -> None:
    (root / "gone.py").symlink_to("missing.py")
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")

    index = RepoIndex.build(root)

    assert paths(index) == []
    assert links(index) == {"gone.py": "dangling", "loop_a": "dangling", "loop_b": "dangling"}


def test_in_root_alias_is_analyzed_once_through_its_target(root: Path) -> None:
    write(root, "src/app.py")
    (root / "alias.py").symlink_to("src/app.py")
    (root / "lib").symlink_to("src")

    index = RepoIndex.build(root)

    assert paths(index) == ["src/app.py"]
    assert links(index) == {"alias.py": "in_root", "lib": "in_root"}


def test_safe_read_refuses_links_anywhere_in_the_path(root: Path) -> None:
    write(root, "real/mod.py", "ok = True\n")
    (root / "linkdir").symlink_to("real")
    (root / "real/alias.py").symlink_to("mod.py")

    assert safe_read(root, "real/mod.py", 100) == b"ok = True\n"
    with pytest.raises(UnsafePathError, match="symbolic link"):
        safe_read(root, "linkdir/mod.py", 100)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        safe_read(root, "real/alias.py", 100)


@pytest.mark.parametrize(
    "rel", ["", "../repo/x.py", "/etc/passwd", "a//b.py", "./x.py", "a/../x.py", "x.py/", "a\0b"]
)
def test_safe_read_refuses_paths_that_are_not_plain_relative(root: Path, rel: str) -> None:
    write(root, "x.py")
    with pytest.raises(UnsafePathError):
        safe_read(root, rel, 100)


def test_safe_read_reports_ordinary_failures_as_oserror(root: Path) -> None:
    write(root, "file.py")
    with pytest.raises(FileNotFoundError):
        safe_read(root, "missing.py", 100)
    with pytest.raises(NotADirectoryError):
        safe_read(root, "file.py/inner.py", 100)
    with pytest.raises(UnsafePathError, match="not a regular file"):
        safe_read(root.parent, "repo", 100)  # a directory


# ---------------------------------------------------------------------------- special files


@pytest.mark.usefixtures("deadline")
def test_fifo_and_socket_are_recorded_and_never_opened(root: Path) -> None:
    write(root, "app.py")
    os.mkfifo(root / "pipe.py")
    os.mkfifo(root / "coverage.xml")
    (root / "zero").symlink_to("/dev/zero")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(root / "sock"))
        bound = True
    except OSError:  # path too long for AF_UNIX on this machine
        bound = False

    index = RepoIndex.build(root)

    assert paths(index) == ["app.py"]
    found = reasons(index)
    assert found["pipe.py"] == "not a regular file (fifo)"
    assert found["coverage.xml"] == "not a regular file (fifo)"
    if bound:
        assert found["sock"] == "not a regular file (socket)"
    sock.close()
    assert all(item.engine == "index" for item in index.unanalyzed)
    with pytest.raises(UnsafePathError, match="fifo"):
        safe_read(root, "pipe.py", 100)
    with pytest.raises(UnsafePathError):
        safe_read(root, "zero", 100)


def test_a_file_swapped_after_the_check_is_still_refused(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, "grow.py", b"x" * 500)
    real_stat, real_fstat = os.stat, os.fstat

    def shrink(result: os.stat_result) -> os.stat_result:
        fields = list(result)
        fields[stat.ST_SIZE] = 10
        return os.stat_result(fields)

    monkeypatch.setattr(os, "stat", lambda *a, **k: shrink(real_stat(*a, **k)))
    with pytest.raises(FileTooLargeError, match="500 bytes > 100"):
        safe_read(root, "grow.py", 100)  # fstat sees the real size
    monkeypatch.setattr(os, "fstat", lambda fd: shrink(real_fstat(fd)))
    with pytest.raises(FileTooLargeError) as caught:
        safe_read(root, "grow.py", 100)  # both lie: the read itself stops at the cap
    assert (caught.value.size, caught.value.limit) == (101, 100)


def test_a_fifo_swapped_in_after_the_lstat_is_refused_without_blocking(
    root: Path, monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    os.mkfifo(root / "pipe.py")
    real_stat = os.stat
    regular = real_stat(write(root, "plain.py"))
    monkeypatch.setattr(
        os, "stat", lambda name, **k: regular if name == "pipe.py" else real_stat(name, **k)
    )
    with pytest.raises(UnsafePathError, match="fifo"):
        safe_read(root, "pipe.py", 100)


# ---------------------------------------------------------------------------- size caps


def test_files_over_the_cap_are_unanalyzed_not_indexed(root: Path) -> None:
    write(root, "big.py", b"#" * 1001)
    write(root, "small.py", b"#" * 1000)
    write(root, "blob.bin", b"\0" * 5000)  # no language: listed, no analyzer opens it by default

    index = RepoIndex.build(root, max_file_bytes=1000)

    assert paths(index) == ["blob.bin", "small.py"]
    assert reasons(index) == {
        "big.py": "too large: 1001 bytes > max_file_bytes 1000 "
        "(raise max_file_bytes in [tool.gatekeeper] to analyze it)"
    }
    with pytest.raises(UnsafePathError, match="not an indexed file"):
        index.read_bytes("big.py")
    with pytest.raises(FileTooLargeError):
        index.read_bytes("blob.bin")


def test_specs_and_reports_get_the_evidence_cap(root: Path) -> None:
    three_mib = 3 * 1024 * 1024
    write(root, "openapi.yaml", b"openapi: 3.0.0\n" + b"#" * three_mib)
    write(root, "src/huge.py", b"#" * three_mib)

    index = RepoIndex.build(root)

    assert paths(index) == ["openapi.yaml"]
    assert "max_file_bytes 1048576" in reasons(index)["src/huge.py"]
    assert index.read_bytes("openapi.yaml").startswith(b"openapi: 3.0.0")
    small = RepoIndex.build(root, max_evidence_bytes=1024)
    assert "max_evidence_bytes 1024" in reasons(small)["openapi.yaml"]


# ---------------------------------------------------------------------------- ignore rules


def test_gitignore_files_are_honoured_at_every_level(root: Path) -> None:
    write(root, ".gitignore", "out/\n/x.py\n*.log\n!keep.log\n")
    write(root, "sub/.gitignore", "local_only.py\n!important.log\n")
    for rel in (
        "app.py",
        "x.py",
        "sub/x.py",
        "out/gen.py",
        "sub/out/gen.py",
        "debug.log",
        "keep.log",
        "sub/important.log",
        "sub/other.log",
        "sub/local_only.py",
        "local_only.py",
    ):
        write(root, rel)

    index = RepoIndex.build(root)

    assert paths(index) == [
        ".gitignore",
        "app.py",
        "keep.log",
        "local_only.py",
        "sub/.gitignore",
        "sub/important.log",
        "sub/x.py",
    ]


def test_git_info_exclude_is_honoured_as_the_lowest_priority(root: Path) -> None:
    write(root, ".git/info/exclude", "*.tmp.py\nscratch/\n")
    write(root, ".gitignore", "!keep.tmp.py\n")
    for rel in ("a.tmp.py", "keep.tmp.py", "scratch/s.py", "main.py"):
        write(root, rel)

    assert paths(RepoIndex.build(root)) == [".gitignore", "keep.tmp.py", "main.py"]
    everything = RepoIndex.build(root, respect_gitignore=False)
    assert "scratch/s.py" in paths(everything)


def test_gitignored_reports_are_kept_and_marked_ignored(root: Path) -> None:
    write(root, ".gitignore", "coverage.xml\ncoverage/\n")
    write(root, "coverage.xml", "<coverage/>")
    write(root, "coverage/lcov.info", "TN:\n")
    write(root, "coverage/lcov-report/index.html", "<html/>")
    write(root, "app.py")

    index = RepoIndex.build(root)

    assert index.files == (
        FileEntry(".gitignore", 23, None),
        FileEntry("app.py", 6, "python"),
        FileEntry("coverage.xml", 11, "xml", ignored=True),
        FileEntry("coverage/lcov.info", 4, None, ignored=True),
    )
    assert [entry.path for entry in index.evidence("coverage")] == [
        "coverage.xml",
        "coverage/lcov.info",
    ]


def test_vendored_and_virtualenv_trees_are_never_descended(root: Path) -> None:
    write(root, "node_modules/pkg/coverage.xml", "<coverage/>")
    write(root, "node_modules/pkg/index.js")
    write(root, "env/pyvenv.cfg", "home = /usr\n")
    write(root, "env/lib/site.py")
    write(root, "tools/myvenv/pyvenv.cfg", "home = /usr\n")
    write(root, "tools/myvenv/junit.xml", "<testsuite/>")
    write(root, ".git/objects/ab/cd.py")
    write(root, "dist/coverage.xml", "<coverage/>")
    write(root, "app/main.py")

    index = RepoIndex.build(root)

    assert paths(index) == ["app/main.py"]
    assert [(item.path, item.reason) for item in index.skipped] == [
        ("dist", "default exclude"),
        ("env", "virtualenv (contains pyvenv.cfg)"),
        ("node_modules", "default exclude"),
        ("tools/myvenv", "virtualenv (contains pyvenv.cfg)"),
    ]


def test_build_output_is_read_only_where_reports_are_written(root: Path) -> None:
    write(root, "target/site/jacoco/jacoco.xml", "<report/>")
    write(root, "target/site/jacoco-it/jacoco.xml", "<report/>")
    write(root, "target/site/index.html", "<html/>")
    write(root, "target/surefire-reports/TEST-com.acme.AppTest.xml", "<testsuite/>")
    write(root, "target/classes/com/acme/App.java", "class App {}")
    write(root, "svc/build/test-results/test/TEST-AppTest.xml", "<testsuite/>")
    write(root, "svc/build/reports/jacoco/test/jacocoTestReport.xml", "<report/>")
    write(root, "svc/build/reports/jacoco/test/html/index.html", "<html/>")
    write(root, "svc/build/lib/svc/app.py")
    write(root, "svc/src/App.kt", "fun main() {}")

    index = RepoIndex.build(root)

    assert paths(index) == [
        "svc/build/reports/jacoco/test/jacocoTestReport.xml",
        "svc/build/test-results/test/TEST-AppTest.xml",
        "svc/src/App.kt",
        "target/site/jacoco-it/jacoco.xml",
        "target/site/jacoco/jacoco.xml",
        "target/surefire-reports/TEST-com.acme.AppTest.xml",
    ]
    assert all(entry.ignored for entry in index.files if entry.path != "svc/src/App.kt")


def test_configured_exclude_always_wins(root: Path) -> None:
    write(root, ".gitignore", "coverage.xml\n")
    write(root, "coverage.xml", "<coverage/>")
    write(root, "generated/api.py")
    write(root, "generated/openapi.json", "{}")
    write(root, "src/app.py")
    write(root, "src/app_test.py")

    index = RepoIndex.build(root, exclude=["generated/", "/coverage.xml", "*_test.py"])

    assert paths(index) == [".gitignore", "src/app.py"]
    assert [item.path for item in index.skipped] == ["generated"]
    assert dict(index.stats)["excluded_by_config"] == 3


def test_an_invalid_exclude_pattern_is_a_config_error(root: Path) -> None:
    with pytest.raises(ConfigError, match="exclude pattern"):
        RepoIndex.build(root, exclude=["\\"])


def test_hostile_gitignore_patterns_do_not_stall_the_walk(root: Path, deadline: None) -> None:
    # `*a*a*a*a*a*a*ab` takes minutes per match against a long run of "a" (regex backtracking).
    write(root, ".gitignore", "*a*a*a*a*a*a*ab\n*.pyc\n")
    write(root, "a" * 200 + ".py")
    write(root, "stale.pyc", b"\0")

    index = RepoIndex.build(root)

    assert paths(index) == [".gitignore", "a" * 200 + ".py"]
    assert index.notes == (
        ".gitignore:1: pattern not applied: more than 2 '*' or 3 '**' wildcards",
    )


def test_an_oversized_or_linked_gitignore_is_not_applied(root: Path, tmp_path: Path) -> None:
    write(root, ".gitignore", b"*.py\n" + b"#" * repo.MAX_GITIGNORE_BYTES)
    write(root, "app.py")
    write(tmp_path, "evil_ignore", "*.py\n")
    write(root, "sub/mod.py")
    (root / "sub/.gitignore").symlink_to(tmp_path / "evil_ignore")

    index = RepoIndex.build(root)

    assert "app.py" in paths(index)
    assert "sub/mod.py" in paths(index)
    assert index.notes[0].startswith(".gitignore not applied: .gitignore: too large")


# ---------------------------------------------------------------------------- limits


def test_depth_limit_is_recorded(root: Path) -> None:
    write(root, "a/b/f.py")
    write(root, "a/b/c/d/deep.py")

    index = RepoIndex.build(root, max_depth=2)

    assert paths(index) == ["a/b/f.py"]
    assert reasons(index) == {
        "a/b/c": "not walked: deeper than max_depth 2 "
        "(a fixed bound against hostile trees; exclude or flatten it)"
    }


def test_file_limit_is_recorded_and_stops_the_walk(root: Path) -> None:
    for number in range(5):
        write(root, f"m{number}.py")

    index = RepoIndex.build(root, max_files=3)

    assert paths(index) == ["m0.py", "m1.py", "m2.py"]
    assert reasons(index)["m3.py"].startswith("file limit reached: max_files 3;")


def test_entry_limit_stops_the_walk(root: Path) -> None:
    for number in range(5):
        write(root, f"d/m{number}.py")

    index = RepoIndex.build(root, max_entries=3)

    assert paths(index) == []
    assert reasons(index)["d"].startswith("walk stopped: more than max_entries 3")


def test_records_of_one_kind_are_capped(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo, "MAX_RECORDS_PER_KIND", 2)
    for number in range(5):
        write(root, f"big{number}.py", b"#" * 20)

    index = RepoIndex.build(root, max_file_bytes=10)

    assert [item.path for item in index.unanalyzed] == [".", "big0.py", "big1.py"]
    assert index.unanalyzed[0].reason == "3 more paths not listed: too large"


def test_unreadable_directories_are_recorded_and_the_walk_goes_on(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, "locked/secret.py")
    write(root, "gone/x.py")
    write(root, "open/app.py")
    real_open_dir = repo._open_dir_at

    def refuse(root_fd: int, parts: list[str], rel: str) -> int:
        if rel == "locked":
            raise PermissionError(13, "Permission denied")
        if rel == "gone":
            raise FileNotFoundError(2, "No such file or directory")
        return real_open_dir(root_fd, parts, rel)

    monkeypatch.setattr(repo, "_open_dir_at", refuse)
    index = RepoIndex.build(root)

    assert paths(index) == ["open/app.py"]
    assert reasons(index) == {
        "gone": "unreadable directory (No such file or directory)",
        "locked": "unreadable directory (permission denied)",
    }


def test_a_directory_swapped_for_a_link_mid_walk_is_not_followed(
    root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(root, "pkg/app.py")
    write(tmp_path, "elsewhere/stolen.py")
    real_open_dir = repo._open_dir_at

    def swap(root_fd: int, parts: list[str], rel: str) -> int:
        if rel == "pkg" and not (root / "pkg").is_symlink():
            (root / "pkg/app.py").unlink()
            (root / "pkg").rmdir()
            (root / "pkg").symlink_to(tmp_path / "elsewhere")
        return real_open_dir(root_fd, parts, rel)

    monkeypatch.setattr(repo, "_open_dir_at", swap)
    index = RepoIndex.build(root)

    assert paths(index) == []
    assert reasons(index) == {"pkg": "directory replaced by a symlink during the walk"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory")
def test_a_real_unreadable_directory(root: Path) -> None:
    write(root, "locked/secret.py")
    (root / "locked").chmod(0)
    try:
        index = RepoIndex.build(root)
    finally:
        (root / "locked").chmod(0o755)
    assert reasons(index) == {"locked": "unreadable directory (permission denied)"}


# ---------------------------------------------------------------------------- names


def test_hostile_file_names_are_indexed_as_is_and_displayed_escaped(root: Path) -> None:
    raw_root = os.fsencode(root)
    for raw in (b"evil\nname.py", b"\x1b[31mred.py", b"bad\xff.py", b"back\\slash.py"):
        fd = os.open(raw_root + b"/" + raw, os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"x = 1\n")
        os.close(fd)

    index = RepoIndex.build(root)

    names = paths(index)
    assert names == sorted(["evil\nname.py", "\x1b[31mred.py", "bad\udcff.py", "back\\slash.py"])
    shown = sorted(display_path(name) for name in names)
    assert shown == ["\\x1b[31mred.py", "back\\\\slash.py", "bad\\udcff.py", "evil\\nname.py"]
    assert index.read_text("bad\udcff.py").text == "x = 1\n"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("src/app.py", "src/app.py"),
        ("tab\there", "tab\\there"),
        ("cr\rlf", "cr\\rlf"),
        ("del\x7f", "del\\x7f"),
        ("rlo\u202efdp.py", "rlo\\u202efdp.py"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("café.py", "café.py"),
    ],
)
def test_display_path_escapes_what_a_terminal_would_interpret(raw: str, shown: str) -> None:
    assert display_path(raw) == shown


def test_link_targets_are_sanitized_for_display(root: Path) -> None:
    (root / "l").symlink_to("\x1b]0;pwned\x07")
    assert RepoIndex.build(root).links[0].target == "\\x1b]0;pwned\\x07"


# ---------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("data", "language", "text", "encoding", "fallback"),
    [
        ("héllo\n".encode(), "python", "héllo\n", "utf-8", False),
        (b"\xef\xbb\xbfx = 1\n", "python", "x = 1\n", "utf-8-sig", False),
        (b"# -*- coding: latin-1 -*-\ns = '\xe9'\n", "python", "s = 'é'", "iso-8859-1", False),
        (b"s = '\xe9'\n", "python", "s = 'é'", "latin-1", True),
        (b"# coding: nonexistent-codec\ns = '\xe9'\n", "python", "s = 'é'", "latin-1", True),
        (b"# coding: rot13\ns = '\xe9'\n", "python", "s = 'é'", "latin-1", True),
        (b"# coding: ascii\ns = '\xe9'\n", "python", "s = 'é'", "latin-1", True),
        (b"# coding: latin-1\ns = '\xe9'\n", "yaml", "s = 'é'", "latin-1", True),
        (b"\xef\xbb\xbf\xe9", "json", "é", "latin-1", True),
    ],
)
def test_decode_source(
    data: bytes, language: str, text: str, encoding: str, fallback: bool
) -> None:
    decoded = decode_source(data, language)
    assert text in decoded.text
    assert (decoded.encoding, decoded.fallback) == (encoding, fallback)


def test_decode_source_refuses_binary() -> None:
    with pytest.raises(BinaryFileError):
        decode_source(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "python")
    assert decode_source(b"a" * 8192 + b"\0", None).text.endswith("\0")


# ---------------------------------------------------------------------------- the index API


def test_index_lookups_and_cached_hash(root: Path) -> None:
    write(root, "src/app.py", "print('hi')\n")
    write(root, "web/index.ts", "export {}\n")
    write(root, "Dockerfile", "FROM scratch\n")
    write(root, "svc/Dockerfile", "FROM scratch\n")
    write(root, "api/openapi.yml", "openapi: 3.1.0\n")

    index = RepoIndex.build(root)

    assert index.get("src/app.py") == FileEntry("src/app.py", 12, "python")
    assert index.get("nope.py") is None
    assert [e.path for e in index.by_language("python", "typescript")] == [
        "src/app.py",
        "web/index.ts",
    ]
    assert [e.path for e in index.find_names("Dockerfile")] == ["Dockerfile", "svc/Dockerfile"]
    assert [e.path for e in index.evidence()] == ["api/openapi.yml"]
    assert index.evidence("coverage") == ()
    assert index.read_text("src/app.py").text == "print('hi')\n"
    digest = index.sha256("src/app.py")
    assert digest == sha256(b"print('hi')\n").hexdigest()
    write(root, "src/app.py", "changed\n")
    assert index.sha256("src/app.py") == digest  # one walk, one content snapshot per file
    spec = index.get("api/openapi.yml")
    assert spec is not None
    assert index.cap_for(spec) == repo.DEFAULT_MAX_EVIDENCE_BYTES
    assert index.cap_for(index.files[0]) == repo.DEFAULT_MAX_FILE_BYTES  # Dockerfile


def test_two_builds_are_identical(root: Path) -> None:
    write(root, ".gitignore", "*.log\n")
    for rel in ("b.py", "a/z.py", "a/y.go", "c.log", "coverage.xml"):
        write(root, rel)
    (root / "link").symlink_to("/etc/passwd")
    os.mkfifo(root / "fifo")

    first, second = RepoIndex.build(root), RepoIndex.build(root)

    assert first == second
    assert first.files == tuple(sorted(first.files))


def test_root_must_be_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        RepoIndex.build(tmp_path / "missing")
    write(tmp_path, "file.txt")
    with pytest.raises(UsageError, match="is not a directory"):
        RepoIndex.build(tmp_path / "file.txt")
    with pytest.raises(ValueError, match="must not be negative"):
        RepoIndex.build(tmp_path, max_files=-1)


def test_a_root_named_through_a_symlink_is_resolved(root: Path, tmp_path: Path) -> None:
    write(root, "app.py")
    (tmp_path / "named").symlink_to(root)

    index = RepoIndex.build(tmp_path / "named")

    assert index.root == root.resolve()
    assert paths(index) == ["app.py"]


def test_root_that_cannot_be_opened_is_a_usage_error(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(repo, "_open_root", refuse)
    with pytest.raises(UsageError, match="Permission denied"):
        RepoIndex.build(root)


# ---------------------------------------------------------------------------- file kinds


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("app.py", "python"),
        ("stubs.pyi", "python"),
        ("App.JSX", "javascript"),
        ("a.cjs", "javascript"),
        ("a.mts", "typescript"),
        ("main.go", "go"),
        ("A.java", "java"),
        ("build.gradle.kts", "kotlin"),
        ("ci.yml", "yaml"),
        ("schema.graphql", "graphql"),
        ("q.gql", "graphql"),
        ("README.rst", "rst"),
        ("setup.cfg", "ini"),
        ("app.properties", "properties"),
        ("Dockerfile", "dockerfile"),
        ("Dockerfile.prod", "dockerfile"),
        ("api.dockerfile", "dockerfile"),
        ("main.tf", "terraform"),
        ("schema.prisma", "prisma"),
        ("requirements.txt", "text"),
        ("manage", None),
        (".env", None),
        ("Makefile", None),
        ("go.mod", None),
    ],
)
def test_language_for(name: str, language: str | None) -> None:
    assert language_for(name) == language


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("coverage.xml", "coverage"),
        (".coverage", "coverage"),
        ("lcov.info", "coverage"),
        ("unit.lcov", "coverage"),
        ("coverage-final.json", "coverage"),
        ("jacocoTestReport.xml", "coverage"),
        ("cover.out", "coverage"),
        ("cobertura-coverage.xml", "coverage"),
        ("junit.xml", "test_report"),
        ("junit-results.xml", "test_report"),
        ("TEST-com.acme.AppTest.xml", "test_report"),
        ("test-data.xml", None),
        ("openapi.yaml", "api_spec"),
        ("swagger.json", "api_spec"),
        ("openapi.txt", None),
        ("pom.xml", None),
    ],
)
def test_evidence_kind(name: str, kind: str | None) -> None:
    assert evidence_kind(name) == kind


def test_cap_for_names_the_setting_to_raise() -> None:
    assert cap_for("app.py", "python") == (repo.DEFAULT_MAX_FILE_BYTES, "max_file_bytes")
    assert cap_for("package-lock.json", "json") == (
        repo.DEFAULT_MAX_EVIDENCE_BYTES,
        "max_evidence_bytes",
    )
    assert cap_for("lcov.info", None, max_evidence_bytes=5) == (5, "max_evidence_bytes")


def test_a_device_is_refused_from_its_metadata_alone() -> None:
    with pytest.raises(UnsafePathError, match=r"not a regular file \(character device\)"):
        safe_read(Path("/dev"), "null", 10)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFBLK, "block device"),
        (stat.S_IFDIR, "directory"),
        (stat.S_IFLNK, "symbolic link"),
        (0, "unknown file type"),
    ],
)
def test_kinds_of_non_regular_files_are_named(mode: int, kind: str) -> None:
    assert repo._kind_of(mode) == kind


def test_a_root_that_is_a_link_loop_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(UsageError, match="cannot resolve"):
        RepoIndex.build(tmp_path / "loop")


def test_notes_name_files_escaped_and_are_capped(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "MAX_NOTES", 2)
    for directory in ("a\x1bb", "c", "d"):
        write(root, f"{directory}/.gitignore", "\\\n")

    index = RepoIndex.build(root)

    assert index.notes == (
        "a\\x1bb/.gitignore:1: invalid pattern not applied",
        "c/.gitignore:1: invalid pattern not applied",
        "1 more notes not listed",
    )


def test_file_too_large_survives_the_trip_back_from_a_worker() -> None:
    error = pickle.loads(pickle.dumps(FileTooLargeError("a.py", 5, 3)))
    assert (error.path, error.size, error.limit, str(error)) == (
        "a.py",
        5,
        3,
        "a.py: too large: 5 bytes > 3 bytes",
    )


def test_safe_read_head_reads_only_the_start_and_refuses_links(tmp_path: Path) -> None:
    from gatekeeper.repo import safe_read_head

    (tmp_path / "big.yaml").write_bytes(b"openapi: 3.0.0\n" + b"x" * 10_000)
    assert safe_read_head(tmp_path, "big.yaml", 8) == b"openapi:"
    (tmp_path / "link.yaml").symlink_to(tmp_path / "big.yaml")
    with pytest.raises(UnsafePathError):
        safe_read_head(tmp_path, "link.yaml", 8)
