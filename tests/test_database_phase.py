"""Phase 2 (database): schema sources replayed from Alembic, Django and SQL migrations, and the
four criteria on fixtures and hand-built repositories. No target code is ever imported."""

from __future__ import annotations

import ast
import pickle
import shutil
from pathlib import Path

from gatekeeper import api
from gatekeeper import config as cfg
from gatekeeper.extract import EXTRACTORS
from gatekeeper.extract.base import ParsedFile
from gatekeeper.migrations import alembic, django, sql
from gatekeeper.migrations.collect import DatabaseFacts, collect
from gatekeeper.migrations.model import (
    Hazard,
    Migration,
    OpKind,
    ProblemKind,
    SchemaModel,
    Tool,
)
from gatekeeper.migrations.replay import replay
from gatekeeper.model import Status, Unanalyzed
from gatekeeper.phases import CORE_RULES
from gatekeeper.phases import database as db
from gatekeeper.phases.base import Context, Outcome
from gatekeeper.repo import RepoIndex
from gatekeeper.stack import detect_services
from gatekeeper.workers import Task, analyze

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CRITERIA = (
    db.schema_source_is_analyzed,
    db.foreign_keys_and_lookups_are_indexed,
    db.migrations_are_linear_reversible_and_safe,
    db.schema_and_requests_are_validated,
)
REGISTRY = {e.name: e for e in EXTRACTORS}


# ---------------------------------------------------------------------------- helpers


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(FIXTURES / name, dest, symlinks=True)
    return dest


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def context_for(root: Path) -> Context:
    """What api.audit builds before the phases run: index, worker facts (run in-process), stack."""
    index = RepoIndex.build(root)
    facts: dict[str, dict[str, object]] = {}
    unanalyzed: list[Unanalyzed] = []
    for entry in index.files:
        if entry.language not in api.PARSED_LANGUAGES:
            continue
        names = tuple(x.name for x in EXTRACTORS if entry.language in x.languages)
        task = Task(str(index.root), entry.path, entry.language or "", max(entry.size, 1), names)
        result = analyze(task, REGISTRY)
        if result.unanalyzed_reason is not None:
            unanalyzed.append(Unanalyzed(entry.path, result.unanalyzed_reason, "parse"))
        for error in result.errors:
            name, _, detail = error.partition(": ")
            unanalyzed.append(Unanalyzed(entry.path, f"extractor failed: {detail}", name))
        facts[entry.path] = dict(result.facts)

    def read_text(path: str) -> str | None:
        return index.read_text(path).text

    stack = detect_services([e.path for e in index.files], read_text, api._imports_of(facts))
    return Context(
        index=index,
        loaded=cfg.LoadedConfig(cfg.Config(), None, False),
        target_config=None,
        services=stack.services,
        stack_problems=(),
        file_facts=facts,
        unanalyzed=tuple(sorted(set(index.unanalyzed) | set(unanalyzed))),
        fact_errors={},
        finalize=api._finalizer(index, (), ()),
    )


def outcomes(ctx: Context) -> dict[str, Outcome]:
    return {c.id: c.check(ctx) for c in CRITERIA if c.check is not None}


def found(out: Outcome) -> set[tuple[str, str, int | None]]:
    return {(f.rule_id, f.location.path, f.location.line) for f in out.findings}


def statuses(results: dict[str, Outcome]) -> dict[str, Status]:
    return {cid: out.status for cid, out in results.items()}


def schema_of(ctx: Context) -> SchemaModel:
    facts = db.facts_of(ctx)
    assert len(facts.histories) == 1, [h.key for h in facts.histories]
    return facts.histories[0].schema


def parsed(path: str, text: str) -> ParsedFile:
    return ParsedFile(path, "python", text, tree=ast.parse(text))


PASS_ALL = dict.fromkeys((c.id for c in CRITERIA), Status.PASS)


# ---------------------------------------------------------------------------- alembic


def test_alembic_good_replays_the_schema_and_passes_every_criterion(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-alembic-good", tmp_path))
    schema = schema_of(ctx)
    assert schema.dialect == "postgres"
    assert [t.name for t in schema.tables] == ["orders", "users"]
    users = schema.table("users")
    assert users is not None
    assert [c.name for c in users.columns] == ["id", "email", "username", "created_at", "phone"]
    assert users.primary_key == ("id",)
    assert {(i.name, i.columns, i.unique, i.concurrently) for i in users.indexes} == {
        ("uq_users_email", ("email",), True, False),
        ("uq_users_username", ("username",), True, False),
        ("ix_users_phone", ("phone",), False, True),
    }
    orders = schema.table("orders")
    assert orders is not None
    assert [(f.columns, f.ref_table, f.ref_columns) for f in orders.foreign_keys] == [
        (("user_id",), "users", ("id",))
    ]
    assert [c.expression for c in orders.checks] == ["total_cents >= 0"]
    assert [m.id for m in schema.migrations] == ["0001", "0002", "0003"]
    assert schema.heads == ("0003",) and schema.problems == ()

    results = outcomes(ctx)
    assert statuses(results) == PASS_ALL
    assert all(not out.findings for out in results.values())
    indexing = results["database.indexing_strategy"]
    assert any(
        e.path == "migrations/versions/0002_create_orders.py"
        and e.line == 24
        and "orders.user_id: foreign key covered by index ix_orders_user_id" in e.what
        for e in indexing.evidence
    )
    documented = results["database.schema_documented"]
    assert any(e.path == "docs/erd.md" for e in documented.evidence)
    validation = results["database.data_validation_rules"]
    assert any(e.path == "app/main.py" and "pydantic" in e.what for e in validation.evidence)


UNSAFE_MIGRATION = "migrations/versions/0002_unsafe_changes.py"


def test_alembic_unsafe_reports_each_finding_where_it_is_written(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-alembic-unsafe", tmp_path))
    results = outcomes(ctx)
    assert statuses(results) == {
        "database.schema_documented": Status.PASS,
        "database.indexing_strategy": Status.FAIL,
        "database.migration_approach": Status.FAIL,
        "database.data_validation_rules": Status.FAIL,
    }
    assert found(results["database.migration_approach"]) == {
        ("GK222", "app/main.py", 5),  # create_all() beside migrations (low)
        ("GK224", "migrations/versions/0003_add_tags.py", 9),  # two heads
        ("GK226", UNSAFE_MIGRATION, 24),  # downgrade(): pass
        ("GK227", UNSAFE_MIGRATION, 14),  # NOT NULL users.phone without a default
        ("GK228", UNSAFE_MIGRATION, 15),  # CREATE INDEX without CONCURRENTLY
        ("GK229", UNSAFE_MIGRATION, 16),  # foreign key without NOT VALID
        ("GK230", UNSAFE_MIGRATION, 17),  # type change
        ("GK231", UNSAFE_MIGRATION, 18),  # column rename
        ("GK232", UNSAFE_MIGRATION, 19),  # drop column
        ("GK231", UNSAFE_MIGRATION, 20),  # table rename
        ("GK232", UNSAFE_MIGRATION, 21),  # drop table
    }
    assert found(results["database.indexing_strategy"]) == {
        ("GK211", "migrations/versions/0001_initial.py", 22),  # orders.user_id
        ("GK212", "migrations/versions/0001_initial.py", 16),  # users.email
        ("GK213", "migrations/versions/0003_add_tags.py", 17),  # tags.slug, plain index
    }
    assert found(results["database.data_validation_rules"]) == {
        ("GK241", "migrations/versions/0001_initial.py", 19),  # orders: anything goes
        ("GK242", "pyproject.toml", 10),  # no request validation library
    }
    messages = {f.rule_id: f.message for f in results["database.migration_approach"].findings}
    assert "0003a" in messages["GK224"] and "0003b" in messages["GK224"]
    assert "users.phone" in messages["GK227"]
    fk = next(f for f in results["database.indexing_strategy"].findings if f.rule_id == "GK211")
    assert "orders.user_id" in fk.message and "0001_initial.py:22" in fk.message


def test_alembic_unsafe_schema_follows_renames_and_drops(tmp_path: Path) -> None:
    schema = schema_of(context_for(copy_fixture("db-alembic-unsafe", tmp_path)))
    assert [t.name for t in schema.tables] == [
        "audit_log",
        "notes_archive",
        "orders",
        "tags",
        "users",
    ]
    users = schema.table("users")
    orders = schema.table("orders")
    assert users is not None and orders is not None
    assert [c.name for c in users.columns] == ["id", "email", "full_name", "phone"]
    assert [(i.name, i.columns) for i in users.indexes] == [("ix_users_name", ("full_name",))]
    assert [c.name for c in orders.columns] == ["id", "user_id", "created_by", "note"]
    assert orders.column("note") is not None and orders.column("note").type == "string(200)"  # type: ignore[union-attr]
    assert schema.heads == ("0003a", "0003b")
    assert [p.kind for p in schema.problems] == [ProblemKind.MULTIPLE_HEADS]
    unsafe = {h for m in schema.migrations for op in m.operations for h in op.unsafe}
    assert unsafe == set(Hazard)


def test_alembic_extractor_reads_revisions_batches_and_execute() -> None:
    text = (
        '"""x"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        'revision: str = "b2"\ndown_revision: tuple[str, str] = ("a1", "a2")\n\n'
        "def upgrade():\n"
        '    with op.batch_alter_table("Users") as batch_op:\n'
        '        batch_op.add_column(sa.Column("nick", sa.String(30), server_default="x",'
        " nullable=False))\n"
        '        batch_op.create_index("ix_nick", ["nick"], unique=True)\n'
        '    op.execute(sa.text("CREATE INDEX CONCURRENTLY ix_a ON users (a)"))\n\n'
        "def downgrade():\n"
        '    """Nothing to undo."""\n'
        "    raise NotImplementedError\n"
    )
    migration = alembic.extract(parsed("alembic/versions/b2.py", text))
    assert migration is not None
    assert (migration.id, migration.parents, migration.tool) == ("b2", ("a1", "a2"), Tool.ALEMBIC)
    assert [(op.kind, op.table, op.line) for op in migration.operations] == [
        (OpKind.ADD_COLUMN, "users", 10),
        (OpKind.CREATE_INDEX, "users", 11),
        (OpKind.EXECUTE_SQL, "", 12),
    ]
    assert migration.operations[0].columns[0].default == "'x'"
    assert migration.operations[2].sql == "CREATE INDEX CONCURRENTLY ix_a ON users (a)"
    assert migration.reversible is False
    assert [i.reason for i in migration.irreversible] == ["downgrade() only raises"]
    # The fact crosses a process boundary: plain picklable data, no syntax tree.
    assert pickle.loads(pickle.dumps(migration)) == migration


def test_non_migration_files_give_no_fact() -> None:
    assert alembic.extract(parsed("app/main.py", "x = 1\n")) is None
    assert alembic.extract(parsed("app/notes.py", "# down_revision is documented here\n")) is None
    assert django.extract_migration(parsed("app/migrations/x.py", "y = 2\n")) is None
    assert django.extract_models(parsed("app/models.py", "from pydantic import Field\n")) is None


def test_alembic_extractors_are_registered() -> None:
    names = {e.name for e in EXTRACTORS}
    assert {"migrations.alembic", "migrations.django", "migrations.django_models"} <= names
    assert "migrations.orm_code" in names


def test_missing_down_revision_and_duplicate_revision_break_the_history() -> None:
    def rev(path: str, rid: str, parent: str | None) -> Migration:
        return Migration(path, Tool.ALEMBIC, rid, (parent,) if parent else (), (), True, line=3)

    schema = replay(
        [
            rev("v/1.py", "a", None),
            rev("v/2.py", "b", "a"),
            rev("v/3.py", "c", "zz"),
            rev("v/4.py", "b", "a"),
        ]
    )
    assert {(p.kind, p.file) for p in schema.problems} == {
        (ProblemKind.MISSING_PARENT, "v/3.py"),
        (ProblemKind.DUPLICATE_ID, "v/4.py"),
        (ProblemKind.MULTIPLE_HEADS, "v/3.py"),
    }


def test_revision_that_is_not_a_literal_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-good", tmp_path)
    write(
        root,
        {
            "migrations/versions/0004_dynamic.py": (
                "import uuid\nrevision = uuid.uuid4().hex\ndown_revision = '0003'\n\n"
                "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
            )
        },
    )
    results = outcomes(context_for(root))
    documented = results["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", "migrations/versions/0004_dynamic.py", 2)}
    assert "0004_dynamic.py" in documented.message


def test_unparsable_python_migration_is_an_error_not_a_pass(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-good", tmp_path)
    write(
        root,
        {
            "migrations/versions/0004_broken.py": (
                'revision = "0004"\ndown_revision = "0003"\n\ndef upgrade(:\n    pass\n'
            )
        },
    )
    results = outcomes(context_for(root))
    assert {out.status for out in results.values()} == {Status.ERROR}
    documented = results["database.schema_documented"]
    assert found(documented) == {("GK202", "migrations/versions/0004_broken.py", None)}
    assert "migrations/versions/0004_broken.py" in documented.message
    assert all("0004_broken.py" in out.message for out in results.values())


# ---------------------------------------------------------------------------- django


def test_django_migrations_replay_with_implied_indexes(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-django", tmp_path))
    schema = schema_of(ctx)
    assert [t.name for t in schema.tables] == ["blog_author", "blog_post"]
    post = schema.table("blog_post")
    assert post is not None
    assert [c.name for c in post.columns] == [
        "id",
        "title",
        "slug",
        "published",
        "author_id",
        "views",
    ]
    assert [(f.columns, f.ref_table) for f in post.foreign_keys] == [
        (("author_id",), "blog_author")
    ]
    # Django indexes a ForeignKey itself, and a SlugField(unique=True) is a unique index.
    assert {(i.columns, i.unique) for i in post.indexes} == {
        (("author_id",), False),
        (("slug",), True),
    }
    assert [c.name for c in post.checks] == ["post_views_positive"]
    assert [m.id for m in schema.migrations] == ["blog.0001_initial", "blog.0002_post_views"]

    results = outcomes(ctx)
    assert statuses(results) == {**PASS_ALL, "database.migration_approach": Status.FAIL}
    assert found(results["database.migration_approach"]) == {
        ("GK226", "blog/migrations/0002_post_views.py", 26)
    }
    assert "RunPython without reverse_code" in results["database.migration_approach"].message or (
        "RunPython" in results["database.migration_approach"].findings[0].message
    )
    validation = results["database.data_validation_rules"]
    assert any("DRF serializers" in e.what for e in validation.evidence)


def test_django_leaf_conflict_is_a_branched_history(tmp_path: Path) -> None:
    root = copy_fixture("db-django", tmp_path)
    write(
        root,
        {
            "blog/migrations/0002_post_summary.py": (
                "from django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n"
                '    dependencies = [("blog", "0001_initial")]\n'
                "    operations = [\n"
                '        migrations.AddField("post", "summary", models.TextField(null=True)),\n'
                "    ]\n"
            )
        },
    )
    results = outcomes(context_for(root))
    migration = results["database.migration_approach"]
    assert ("GK224", "blog/migrations/0002_post_views.py", 9) in found(migration)
    conflict = next(f for f in migration.findings if f.rule_id == "GK224")
    assert "0002_post_summary" in conflict.message and "0002_post_views" in conflict.message


def test_django_models_without_migrations_are_the_schema_of_last_resort(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("django-postgres", tmp_path))
    facts = db.facts_of(ctx)
    assert [(h.tool, h.is_migrations) for h in facts.histories] == [(Tool.DJANGO_MODELS, False)]
    note = facts.histories[0].schema.table("notes_note")
    assert note is not None
    assert [c.name for c in note.columns] == ["id", "owner_id", "body", "created"]
    results = outcomes(ctx)
    assert results["database.schema_documented"].status is Status.PASS
    assert found(results["database.migration_approach"]) == {("GK223", "notes/models.py", None)}


def test_django_unsafe_operations_on_existing_tables(tmp_path: Path) -> None:
    root = copy_fixture("db-django", tmp_path)
    write(
        root,
        {
            "blog/migrations/0003_reshape.py": (
                "from django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n"
                '    dependencies = [("blog", "0002_post_views")]\n'
                "    operations = [\n"
                '        migrations.RenameField("post", "title", "headline"),\n'
                '        migrations.AlterField("post", "headline", models.TextField()),\n'
                '        migrations.RemoveField("post", "author"),\n'
                '        migrations.AddIndex("author", models.Index(fields=["name"], '
                'name="ix_n")),\n'
                '        migrations.RunSQL("UPDATE blog_post SET views = 0", '
                "migrations.RunSQL.noop),\n"
                "    ]\n"
            )
        },
    )
    results = outcomes(context_for(root))
    path = "blog/migrations/0003_reshape.py"
    assert {f for f in found(results["database.migration_approach"]) if f[1] == path} == {
        ("GK231", path, 7),
        ("GK230", path, 8),
        ("GK232", path, 9),
        ("GK228", path, 10),
    }
    schema = schema_of(context_for(root))
    post = schema.table("blog_post")
    assert post is not None and post.column("author_id") is None
    assert post.column("headline") is not None


def test_django_models_module_with_abstract_base_and_many_to_many() -> None:
    text = (
        "from django.db import models\n\n"
        "class Stamped(models.Model):\n"
        "    created = models.DateTimeField(auto_now_add=True)\n"
        "    class Meta:\n"
        "        abstract = True\n\n"
        "class Tag(Stamped):\n"
        "    name = models.CharField(max_length=30, unique=True)\n\n"
        "class Article(Stamped):\n"
        "    slug = models.SlugField()\n"
        "    tags = models.ManyToManyField(Tag)\n"
        '    editor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,'
        " db_index=False)\n"
        "    class Meta:\n"
        '        db_table = "articles"\n'
        '        unique_together = [("slug", "editor")]\n'
    )
    models = django.extract_models(parsed("shop/models.py", text))
    assert models is not None and models.tool is Tool.DJANGO_MODELS
    schema = replay([models], check_safety=False)
    assert [t.name for t in schema.tables] == ["articles", "articles_tags", "shop_tag"]
    article = schema.table("articles")
    assert article is not None
    assert [c.name for c in article.columns] == ["id", "created", "slug", "editor_id"]
    assert {(i.columns, i.unique) for i in article.indexes} == {
        (("slug",), False),  # SlugField indexes itself
        (("slug", "editor_id"), True),  # unique_together names fields, the index columns
    }
    join = schema.table("articles_tags")
    assert join is not None
    assert [(f.columns, f.ref_table) for f in join.foreign_keys] == [
        (("article_id",), "articles"),
        (("tag_id",), "shop_tag"),
    ]


def test_a_squashed_django_migration_stands_in_for_the_ones_it_replaces() -> None:
    def node(name: str, parents: tuple[str, ...], replaces: tuple[str, ...] = ()) -> Migration:
        return Migration(
            f"shop/migrations/{name}.py",
            Tool.DJANGO,
            f"shop.{name}",
            parents,
            (),
            True,
            app="shop",
            replaces=replaces,
        )

    schema = replay(
        [
            node("0001_initial", ()),
            node("0002_more", ("shop.0001_initial",)),
            node("0001_squashed_0002", (), ("shop.0001_initial", "shop.0002_more")),
            node("0003_after", ("shop.0002_more",)),
        ]
    )
    assert [m.id for m in schema.migrations] == ["shop.0001_squashed_0002", "shop.0003_after"]
    assert schema.problems == ()


# ---------------------------------------------------------------------------- SQL


def test_flyway_postgres_schema_and_findings(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-sql-postgres", tmp_path))
    schema = schema_of(ctx)
    assert [t.name for t in schema.tables] == ["customers", "orders"]
    orders = schema.table("orders")
    customers = schema.table("customers")
    assert orders is not None and customers is not None
    assert [(c.name, c.type, c.nullable) for c in orders.columns] == [
        ("id", "bigserial", False),
        ("customer_id", "bigint", False),
        ("total", "decimal(10, 2)", False),
        ("created_at", "timestamptz", False),
    ]
    assert [(i.name, i.columns, i.unique) for i in customers.indexes] == [
        ("", ("email",), True),
        ("idx_customers_name", ("name",), False),
    ]
    assert [m.id for m in schema.migrations] == ["1", "2"]
    migration = "src/main/resources/db/migration/V2__create_orders.sql"
    results = outcomes(ctx)
    assert statuses(results) == {
        **PASS_ALL,
        "database.indexing_strategy": Status.FAIL,
        "database.migration_approach": Status.FAIL,
    }
    assert found(results["database.indexing_strategy"]) == {("GK211", migration, 3)}
    assert found(results["database.migration_approach"]) == {("GK228", migration, 8)}


def test_mysql_foreign_keys_need_no_index_of_their_own(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-sql-mysql", tmp_path))
    schema = schema_of(ctx)
    assert schema.dialect == "mysql"
    bookings = schema.table("bookings")
    assert bookings is not None and bookings.indexes == ()
    assert [(f.name, f.columns) for f in bookings.foreign_keys] == [
        ("fk_bookings_guest", ("guest_id",))
    ]
    results = outcomes(ctx)
    assert statuses(results) == PASS_ALL
    assert all(not out.findings for out in results.values())
    assert any(
        "bookings.guest_id: foreign key indexed by InnoDB" in e.what
        for e in results["database.indexing_strategy"].evidence
    )


def test_the_same_foreign_key_on_postgresql_needs_an_index(tmp_path: Path) -> None:
    root = copy_fixture("db-sql-mysql", tmp_path)
    write(root, {"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n"})
    (root / "go.mod").write_text(
        (root / "go.mod").read_text().replace("go-sql-driver/mysql v1.8.1", "jackc/pgx/v5 v5.5.5")
    )
    (root / "main.go").write_text(
        (root / "main.go").read_text().replace("go-sql-driver/mysql", "jackc/pgx/v5/stdlib")
    )
    for path in (root / "migrations").iterdir():
        path.write_text(path.read_text().replace(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", ""))
    results = outcomes(context_for(root))
    assert ("GK211", "migrations/000002_create_bookings.up.sql", 6) in found(
        results["database.indexing_strategy"]
    )


def test_unparsable_sql_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = copy_fixture("db-sql-mysql", tmp_path)
    write(
        root,
        {
            "migrations/000003_broken.up.sql": "CREATE TABLE x (id int,, name;\n",
            "migrations/000003_broken.down.sql": "DROP TABLE x;\n",
        },
    )
    results = outcomes(context_for(root))
    assert {out.status for out in results.values()} == {Status.ERROR}
    documented = results["database.schema_documented"]
    assert found(documented) == {("GK202", "migrations/000003_broken.up.sql", 1)}
    assert "000003_broken.up.sql" in documented.message


def test_sql_file_over_the_size_cap_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = copy_fixture("db-sql-mysql", tmp_path)
    big = "-- filler\n" * 120_000 + "CREATE TABLE z (id int);\n"  # over max_file_bytes
    write(root, {"migrations/000003_big.up.sql": big, "migrations/000003_big.down.sql": "x"})
    documented = outcomes(context_for(root))["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", "migrations/000003_big.up.sql", None)}


def test_hostile_sql_never_raises() -> None:
    deep = "CREATE TABLE t (a int CHECK (" + "(" * 3000 + "a > 0" + ")" * 3000 + "));"
    for text in (deep, "SELECT 'unterminated", "\x00\x01;;;" * 1000, ";" * 5000):
        result = sql.parse_sql(text, dialect="postgres", path="x.sql")
        assert all(e.line >= 1 and e.message for e in result.errors)
    assert (
        sql.parse_sql(deep, dialect="postgres", path="x.sql")
        .errors[0]
        .message.startswith("RecursionError")
    )


def test_sql_file_kinds_and_versions() -> None:
    kinds = {
        path: (f.flavor.value, f.version, f.direction)
        for path in (
            "db/migration/V1_2__add.sql",
            "db/migration/U3__undo.sql",
            "db/migration/R__views.sql",
            "migrations/0007_x.up.sql",
            "migrations/0007_x.down.sql",
            "db/migrations/20240101120000_create.sql",
            "db/schema.sql",
            "scripts/report.sql",
        )
        if (f := sql.classify(path)) is not None
    }
    assert kinds == {
        "db/migration/V1_2__add.sql": ("flyway", (1, 2), "up"),
        "db/migration/U3__undo.sql": ("flyway", (3,), "down"),
        "db/migration/R__views.sql": ("flyway", (), "repeatable"),
        "migrations/0007_x.up.sql": ("golang-migrate", (7,), "up"),
        "migrations/0007_x.down.sql": ("golang-migrate", (7,), "down"),
        "db/migrations/20240101120000_create.sql": ("numbered", (20240101120000,), "up"),
        "db/schema.sql": ("dump", (), "up"),
    }


def test_dbmate_sections_and_missing_down_files(tmp_path: Path) -> None:
    root = copy_fixture("db-sql-mysql", tmp_path)
    (root / "migrations" / "000002_create_bookings.down.sql").unlink()
    write(
        root,
        {
            "db/migrations/20240101_a.sql": (
                "-- migrate:up\nCREATE TABLE a (id int PRIMARY KEY, name text NOT NULL);\n"
                "-- migrate:down\n"
            ),
        },
    )
    results = outcomes(context_for(root))
    assert {f for f in found(results["database.migration_approach"]) if f[0] == "GK226"} == {
        ("GK226", "migrations/000002_create_bookings.up.sql", 1),
        ("GK226", "db/migrations/20240101_a.sql", 1),
    }


def test_sql_inside_python_migrations_is_replayed(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-good", tmp_path)
    write(
        root,
        {
            "migrations/versions/0004_raw.py": (
                "from alembic import op\n\n"
                'revision = "0004"\ndown_revision = "0003"\n\n'
                "def upgrade():\n"
                '    op.execute("ALTER TABLE orders ADD COLUMN note text")\n'
                '    op.execute("CREATE INDEX ix_orders_status ON orders (status)")\n'
                '    op.execute("ALTER TABLE orders ADD COLUMN ((")\n\n'
                "def downgrade():\n"
                '    op.drop_column("orders", "note")\n'
            )
        },
    )
    ctx = context_for(root)
    orders = schema_of(ctx).table("orders")
    assert orders is not None and orders.column("note") is not None
    results = outcomes(ctx)
    path = "migrations/versions/0004_raw.py"
    assert found(results["database.migration_approach"]) == {("GK228", path, 8)}
    # SQL that does not parse inside a Python migration is reported, low, not an error.
    documented = results["database.schema_documented"]
    assert documented.status is Status.PASS
    assert found(documented) == {("GK203", path, 9)}


# ---------------------------------------------------------------------------- other stacks


def test_database_without_any_schema_source_fails(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("fastapi-postgres", tmp_path)))
    assert results["database.schema_documented"].status is Status.FAIL
    assert found(results["database.schema_documented"]) == {("GK201", "app/db.py", 6)}
    assert found(results["database.migration_approach"]) == {("GK233", "app/db.py", 6)}
    assert results["database.indexing_strategy"].status is Status.ERROR


def test_stacks_not_read_yet_are_errors_never_passes(tmp_path: Path) -> None:
    """A service whose schema lives in a source gatekeeper does not read (Drizzle here) gets
    `error` on every criterion, naming the stack."""
    root = write(
        tmp_path / "repo",
        {
            "package.json": '{"name": "api", "dependencies": {"express": "4.19.2", '
            '"pg": "8.12.0", "drizzle-orm": "0.33.0"}}\n',
            "src/schema.ts": "import { pgTable, serial, text } from 'drizzle-orm/pg-core';\n"
            "export const users = pgTable('users', { id: serial('id').primaryKey(), "
            "email: text('email') });\n",
        },
    )
    results = outcomes(context_for(root))
    for out in results.values():
        assert out.status is Status.ERROR
        assert "schema sources for Drizzle are not analyzed yet (issue 7)" in out.message


def test_example_models_alone_are_its_schema(tmp_path: Path) -> None:
    """The bundled example's SQLAlchemy models, without its Alembic history, are read as the
    schema: documented, and the missing migration history is the finding."""
    root = copy_fixture("example", tmp_path)
    shutil.rmtree(root / "migrations")
    (root / "alembic.ini").unlink()
    results = outcomes(context_for(root))
    assert results["database.schema_documented"].status is Status.PASS
    assert {r for r, _, _ in found(results["database.migration_approach"])} >= {"GK236"}


def test_jpa_declared_without_any_entity_has_no_schema_source(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("spring-mysql", tmp_path)))
    assert found(results["database.schema_documented"]) == {("GK201", "pom.xml", 30)}
    assert found(results["database.migration_approach"]) == {("GK233", "pom.xml", 30)}


def test_inline_mongoose_schema_is_read(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("express-mongo", tmp_path)))
    assert results["database.schema_documented"].status is Status.PASS
    assert results["database.migration_approach"].status is Status.NOT_APPLICABLE
    assert found(results["database.data_validation_rules"]) == {
        ("GK241", "src/routes/items.js", 4),  # items: sku and name, both optional
        ("GK242", "package.json", 14),
    }


def test_create_all_without_migrations_fails(tmp_path: Path) -> None:
    root = copy_fixture("fastapi-postgres", tmp_path)
    write(
        root,
        {
            "app/models.py": (
                "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
            ),
            "app/startup.py": (
                "from app.db import engine\nfrom app.models import Base\n\n"
                "Base.metadata.create_all(bind=engine)\n"
            ),
        },
    )
    results = outcomes(context_for(root))
    assert found(results["database.migration_approach"]) == {("GK221", "app/startup.py", 4)}


def test_no_database_is_not_applicable(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "calc"\ndependencies = ["fastapi"]\n',
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        },
    )
    results = outcomes(context_for(root))
    assert {out.status for out in results.values()} == {Status.NOT_APPLICABLE}


def test_rules_are_exported_and_unique() -> None:
    ids = [r.id for r in db.RULES]
    assert len(ids) == len(set(ids)) and all(i.startswith("GK2") for i in ids)
    assert set(db.RULES) <= set(CORE_RULES)
    assert {r.criterion_id for r in db.RULES} == {c.id for c in CRITERIA}
    assert all(c.why and c.fix for c in CRITERIA)


def test_replay_is_deterministic(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-unsafe", tmp_path)
    first: DatabaseFacts = db.facts_of(context_for(root))
    second: DatabaseFacts = db.facts_of(context_for(root))
    assert first == second
    ctx = context_for(root)
    facts = db.facts_of(ctx)
    again = collect(ctx.index, ctx.services, ctx.file_facts, ctx.unanalyzed)
    assert again == facts
    shuffled = list(reversed(facts.histories[0].schema.migrations))
    assert replay(shuffled).tables == replay(list(facts.histories[0].schema.migrations)).tables


# ---------------------------------------------------------------------------- whole pipeline
# These run api.audit end to end; they need api.py to stop marking the migrations fact as
# unavailable ("migration parsing is not built yet").


def audit_database(root: Path) -> dict[str, tuple[str, list[tuple[str, str, int | None]]]]:
    report = api.audit(root, api.Options(engines=False, phases=("database",))).report
    by_fingerprint = {f.fingerprint: f for f in report.findings}
    phase = next(p for p in report.phases if p.id == "database")
    return {
        c.id: (
            c.status.value,
            sorted(
                (
                    by_fingerprint[fp].rule_id,
                    by_fingerprint[fp].location.path,
                    by_fingerprint[fp].location.line,
                )
                for fp in c.findings
            ),
        )
        for c in phase.criteria
    }


def test_pipeline_passes_the_good_alembic_fixture(tmp_path: Path) -> None:
    result = audit_database(copy_fixture("db-alembic-good", tmp_path))
    assert {cid: status for cid, (status, _) in result.items()} == {cid: "pass" for cid in PASS_ALL}


def test_pipeline_reports_the_unsafe_fixture_the_same_twice(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-unsafe", tmp_path)
    first = audit_database(root)
    assert first == audit_database(root)
    status, findings = first["database.migration_approach"]
    assert status == "fail"
    assert ("GK224", "migrations/versions/0003_add_tags.py", 9) in findings
    assert ("GK227", UNSAFE_MIGRATION, 14) in findings


def test_pipeline_unparsable_migration_is_an_error(tmp_path: Path) -> None:
    root = copy_fixture("db-alembic-good", tmp_path)
    write(root, {"migrations/versions/0004_broken.py": 'revision = "0004"\ndef upgrade(:\n'})
    result = audit_database(root)
    status, findings = result["database.schema_documented"]
    assert status == "error"
    assert findings == [("GK202", "migrations/versions/0004_broken.py", None)]


def test_only_the_newest_migrations_are_linted_for_unsafe_operations(tmp_path: Path) -> None:
    root = tmp_path / "db"
    shutil.copytree(FIXTURES / "db-alembic-good", root)
    versions = root / "migrations" / "versions"
    # 0004 drops a column (unsafe); three safe revisions follow it
    template = (
        'revision = "{rev}"\ndown_revision = "{down}"\n\nfrom alembic import op\n'
        "import sqlalchemy as sa\n\n\ndef upgrade() -> None:\n    {up}\n\n\n"
        "def downgrade() -> None:\n    {down_op}\n"
    )
    steps = [
        (
            "0004",
            "0003",
            'op.drop_column("users", "phone")',
            'op.add_column("users", sa.Column("phone", sa.String(32), nullable=True))',
        ),
    ] + [
        (
            f"000{n}",
            f"000{n - 1}",
            f'op.add_column("orders", sa.Column("note{n}", sa.Text(), nullable=True))',
            f'op.drop_column("orders", "note{n}")',
        )
        for n in (5, 6, 7)
    ]
    for rev, down, up, down_op in steps:
        (versions / f"{rev}_step.py").write_text(
            template.format(rev=rev, down=down, up=up, down_op=down_op)
        )
    options = api.Options(engines=False, phases=("database",))

    def drop_findings() -> list[str]:
        report = api.audit(root, options).report
        return [f.location.path for f in report.findings if f.rule_id == "GK232"]

    assert drop_findings() == []  # 0004 is the fourth newest: already applied
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + "\n[tool.gatekeeper]\nlint_recent_migrations = 0\n"
    )
    assert drop_findings() == ["migrations/versions/0004_step.py"]


def test_the_replayed_schema_and_migrations_are_in_the_json_report(tmp_path: Path) -> None:
    from gatekeeper.report import jsonout

    root = tmp_path / "db"
    shutil.copytree(FIXTURES / "db-alembic-good", root)
    report = api.audit(root, api.Options(engines=False, phases=("database",))).report
    data = jsonout.to_dict(report)["inventory"]
    assert [(m["order"], m["id"], m["parents"], m["reversible"]) for m in data["migrations"]] == [
        (1, "0001", [], True),
        (2, "0002", ["0001"], True),
        (3, "0003", ["0002"], True),
    ]
    users = next(t for t in data["schema"] if t["name"] == "users")
    assert users["tool"] == "alembic" and users["file"].startswith("migrations/versions/0001")
    assert {"name": "phone", "type": "string(32)", "nullable": True, "primary_key": False} in (
        users["columns"]
    )
    assert any(i.startswith("ix_users_phone (phone)") for i in users["indexes"])
