from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import config as cfg
from gatekeeper.errors import ConfigError
from gatekeeper.model import Detection, Evidence, Service, Severity, ValueSource


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    loaded = cfg.discover(tmp_path)
    assert loaded.path is None
    assert loaded.config.test_coverage_target == 70
    assert loaded.config.max_remediation_iterations == 2
    assert loaded.config.phases == cfg.PHASE_IDS


def test_pyproject_without_section_is_not_a_config(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    assert cfg.discover(tmp_path).path is None


def test_pyproject_section_is_read_with_origin(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        "[tool.gatekeeper]\ntech_stack = 'python-fastapi'\ntest_coverage_target = 80\n"
        "client_types = ['web', 'mobile']\nscalability_requirements = {p99_ms = 300, rps = 200}\n",
    )
    loaded = cfg.discover(tmp_path)
    assert loaded.path == "pyproject.toml"
    assert loaded.config.tech_stack == "python-fastapi"
    assert loaded.config.test_coverage_target == 80
    assert loaded.config.client_types == ("web", "mobile")
    assert loaded.config.scalability_requirements == "p99_ms = 300; rps = 200"
    assert loaded.config.origins["tech_stack"] == "pyproject.toml [tool.gatekeeper]"


def test_gatekeeper_toml_top_level(tmp_path: Path) -> None:
    write(tmp_path, ".gatekeeper.toml", "database = 'mysql'\nseverity_threshold = 'high'\n")
    loaded = cfg.discover(tmp_path)
    assert loaded.config.database == "mysql"
    assert loaded.config.severity_threshold is Severity.HIGH


def test_two_configs_are_an_error(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.gatekeeper]\ndatabase = 'mysql'\n")
    write(tmp_path, "gatekeeper.toml", "database = 'mysql'\n")
    with pytest.raises(ConfigError, match="two configurations found"):
        cfg.discover(tmp_path)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    write(tmp_path, "gatekeeper.toml", "test_coverage_targte = 80\n")
    with pytest.raises(ConfigError, match="Did you mean `test_coverage_target`"):
        cfg.discover(tmp_path)


def test_bad_choice_names_file_key_and_choices(tmp_path: Path) -> None:
    write(tmp_path, "gatekeeper.toml", "database = 'postgres'\n")
    with pytest.raises(ConfigError) as exc:
        cfg.discover(tmp_path)
    assert "gatekeeper.toml" in str(exc.value)
    assert "Did you mean `postgresql`" in str(exc.value)


@pytest.mark.parametrize(
    "line",
    [
        "test_coverage_target = 170",
        "test_coverage_target = true",
        "exclude = 3",
        "phases = ['api']",
        "client_types = ['tv']",
        "security_requirements = 3",
    ],
)
def test_invalid_values_are_errors(tmp_path: Path, line: str) -> None:
    write(tmp_path, "gatekeeper.toml", line + "\n")
    with pytest.raises(ConfigError):
        cfg.discover(tmp_path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.gatekeeper\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml.*invalid TOML"):
        cfg.discover(tmp_path)


def test_config_symlink_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("[tool.gatekeeper]\nexclude = ['**']\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").symlink_to(outside)
    with pytest.raises(ConfigError, match="cannot be read safely"):
        cfg.discover(root)


def test_discovery_never_looks_above_the_root(tmp_path: Path) -> None:
    write(tmp_path, "gatekeeper.toml", "database = 'mysql'\n")
    root = tmp_path / "repo"
    root.mkdir()
    assert cfg.discover(root).config.database is None


def test_load_file_is_trusted(tmp_path: Path) -> None:
    path = write(tmp_path, "policy.toml", "exclude = ['docs/']\n")
    loaded = cfg.load_file(path)
    assert loaded.trusted
    assert loaded.config.exclude == ("docs/",)


def test_load_file_pyproject_without_section_is_the_default_policy(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[project]\nname='x'\n")
    loaded = cfg.load_file(path)
    assert loaded.trusted and loaded.config == cfg.Config(origins={})


def test_load_file_reads_a_renamed_pyproject(tmp_path: Path) -> None:
    path = write(
        tmp_path, "policy.toml", "[project]\nname='x'\n[tool.gatekeeper]\nexclude=['a/']\n"
    )
    loaded = cfg.load_file(path)
    assert loaded.config.exclude == ("a/",)
    assert loaded.config.origins["exclude"] == f"{path} [tool.gatekeeper]"


def test_empty_phases_and_deep_toml_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "gatekeeper.toml", "phases = []\n")
    with pytest.raises(ConfigError, match="`phases` is empty"):
        cfg.discover(tmp_path)
    write(tmp_path, "gatekeeper.toml", "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ConfigError, match=r"nested too deeply|invalid TOML"):
        cfg.discover(tmp_path)


def test_load_file_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        cfg.load_file(tmp_path / "nope.toml")


def test_weakenings_lists_each_relaxation() -> None:
    trusted = cfg.Config(exclude=("docs/",), public_routes=("/health",))
    target = cfg.Config(
        exclude=("docs/", "src/"),
        phases=tuple(p for p in cfg.PHASE_IDS if p != "security"),
        public_routes=("/health", "/admin"),
        severity_threshold=Severity.CRITICAL,
        test_coverage_target=10,
        max_file_bytes=2048,
    )
    changes = cfg.weakenings(trusted, target)
    assert changes == [
        "adds excludes src/",
        "disables phases security",
        "adds public routes /admin",
        "raises severity_threshold from medium to critical",
        "lowers test_coverage_target from 70 to 10",
        "lowers max_file_bytes from 1048576 to 2048",
    ]
    assert cfg.weakenings(trusted, trusted) == []


def _service(**kinds: str) -> Service:
    ev = (Evidence("pyproject.toml", 3, "dependency"),)
    return Service(
        ".", "svc", ("pyproject.toml",), tuple(Detection(k, v, ev) for k, v in kinds.items())
    )


def test_effective_sources_declared_detected_default() -> None:
    loaded = cfg.LoadedConfig(
        cfg.Config(database="mysql", origins={"database": "gatekeeper.toml"}),
        "gatekeeper.toml",
        False,
    )
    services = [
        _service(language="python", framework="fastapi", database="postgresql", auth="pyjwt")
    ]
    values = {v.key: v for v in cfg.effective(loaded, services)}
    assert values["database"].source is ValueSource.DECLARED
    assert values["database"].value == "mysql"
    assert values["tech_stack"].source is ValueSource.DETECTED
    assert values["tech_stack"].value == "python-fastapi"
    assert values["auth_method"].value == "jwt"
    assert values["deployment_target"].source is ValueSource.DEFAULT
    assert values["deployment_target"].value == "docker"


def test_ambiguous_detection_falls_back_to_default() -> None:
    loaded = cfg.LoadedConfig(cfg.Config(), None, False)
    services = [
        _service(language="go", framework="gin"),
        _service(language="javascript", framework="express"),
    ]
    values = {v.key: v for v in cfg.effective(loaded, services)}
    assert values["tech_stack"].source is ValueSource.DEFAULT


def test_cli_overrides_are_recorded() -> None:
    config = cfg.with_overrides(cfg.Config(), severity_threshold=Severity.LOW, phases=None)
    assert config.severity_threshold is Severity.LOW
    loaded = cfg.LoadedConfig(config, None, False)
    values = {v.key: v for v in cfg.effective(loaded, [])}
    assert values["severity_threshold"].source is ValueSource.CLI
    assert values["phases"].source is ValueSource.DEFAULT


def test_sqlite_beside_a_server_database_is_the_dev_default() -> None:
    loaded = cfg.LoadedConfig(cfg.Config(), None, False)
    values = {v.key: v for v in cfg.effective(loaded, [_service(database="sqlite")])}
    assert values["database"].value == "sqlite"
    both = Service(".", "s", (), (Detection("database", "sqlite"), Detection("database", "mysql")))
    values = {v.key: v for v in cfg.effective(loaded, [both])}
    assert values["database"].value == "mysql" and values["database"].source is ValueSource.DETECTED
