"""SQLAlchemy and SQLModel models as a schema source: the replayed schema of the fixture, the
findings on it, and the declaration styles read from the syntax tree."""

from __future__ import annotations

import ast
from pathlib import Path

from gatekeeper.extract.base import ParsedFile
from gatekeeper.migrations import ormmodels, ormqueries, sqlalchemy
from gatekeeper.migrations.model import MigrationOp, Tool
from gatekeeper.migrations.ormmodels import CodeSchema, ModelDecl
from gatekeeper.phases import database as db
from tests.test_database_phase import context_for, copy_fixture, found, outcomes
from tests.test_database_sources import columns, only_history


def schema_of(*files: tuple[str, str]) -> dict[str, MigrationOp]:
    """Resolve the models of some files as one service's schema: table -> its create op."""
    decls: list[ModelDecl] = []
    for path, text in files:
        read = sqlalchemy.extract(ParsedFile(path, "python", text, tree=ast.parse(text)))
        assert isinstance(read, CodeSchema), path
        decls.extend(read.models)
    tables: dict[str, MigrationOp] = {}
    for migration in ormmodels.resolve(Tool.SQLALCHEMY_MODELS, decls):
        for op in migration.operations:
            tables[op.table] = op
    return tables


def test_the_models_are_the_schema_when_there_are_no_migrations(tmp_path: Path) -> None:
    tool, dialect, schema = only_history(copy_fixture("db-sqlalchemy", tmp_path))
    assert (tool, dialect) == (Tool.SQLALCHEMY_MODELS, "postgres")
    assert [t.name for t in schema.tables] == ["post_tags", "posts", "tags", "users"]
    # The mixin's created_at comes first; Mapped[Optional[...]] and `X | None` are nullable.
    assert columns(schema, "users") == [
        ("created_at", False),
        ("id", False),
        ("email", False),
        ("display_name", True),
    ]
    assert columns(schema, "posts") == [
        ("created_at", False),
        ("id", False),
        ("slug", False),
        ("title", False),
        ("body", True),
        ("author_id", False),
    ]
    posts, tags, users, links = (schema.table(n) for n in ("posts", "tags", "users", "post_tags"))
    assert posts is not None and tags is not None and users is not None and links is not None
    assert [(f.columns, f.ref_table, f.ref_columns, f.line) for f in posts.foreign_keys] == [
        (("author_id",), "users", ("id",), 56)
    ]
    assert [(i.name, i.columns) for i in posts.indexes] == [
        ("ix_posts_slug_created", ("slug", "created_at"))
    ]
    assert [(c.name, c.expression) for c in posts.checks] == [
        ("ck_posts_title", "length(title) > 0")
    ]
    assert [(i.columns, i.unique) for i in users.indexes] == [(("email",), True)]
    assert [(i.columns, i.unique) for i in tags.indexes] == [(("name",), True)]
    assert links.primary_key == ("post_id", "tag_id")
    assert [(f.columns, f.ref_table) for f in links.foreign_keys] == [
        (("post_id",), "posts"),
        (("tag_id",), "tags"),
    ]


def test_fixture_findings(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-sqlalchemy", tmp_path))
    facts = db.facts_of(ctx)
    assert all(s.unsupported == () for s in facts.services)
    results = outcomes(ctx)
    assert found(results["database.indexing_strategy"]) == {
        ("GK211", "app/models.py", 41),  # post_tags.tag_id: only post_id leads the primary key
        ("GK211", "app/models.py", 56),  # posts.author_id
        ("GK213", "app/models.py", 53),  # posts.slug is indexed, not unique
        ("GK216", "app/repository.py", 9),  # posts.title filtered, no index
    }
    # Only posts.title: the slug has an index, the email a unique one, author_id is a foreign
    # key (GK211's), and a query with `**extra` is not judged.
    assert [
        (f.location.path, f.location.line, f.message)
        for f in results["database.indexing_strategy"].findings
        if f.rule_id == "GK216"
    ] == [
        (
            "app/repository.py",
            9,
            "where(Post.title == ...) filters posts.title, and no index starts with it "
            "(and 1 more query)",
        )
    ]
    assert found(results["database.migration_approach"]) == {
        ("GK221", "app/main.py", 14),  # create_all() at startup
        ("GK236", "app/models.py", None),  # models and no migration history
    }


SQLMODEL = """import uuid

from pydantic import EmailStr
from sqlmodel import Field, Relationship, SQLModel


class UserBase(SQLModel):
    email: EmailStr = Field(unique=True, index=True, max_length=255)
    full_name: str | None = Field(default=None, max_length=255)


class UserCreate(UserBase):
    password: str = Field(min_length=8)


class User(UserBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    hashed_password: str
    items: list["Item"] = Relationship(back_populates="owner")


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=255)
    owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False)
    owner: User | None = Relationship(back_populates="items")
"""


def test_sqlmodel_tables_inherit_their_base_and_skip_relationships() -> None:
    tables = schema_of(("app/models.py", SQLMODEL))
    assert sorted(tables) == ["item", "user"]  # the class name, lower-cased; no UserCreate
    user, item = tables["user"], tables["item"]
    assert [(c.name, c.nullable) for c in user.columns] == [
        ("email", False),
        ("full_name", True),
        ("id", False),
        ("hashed_password", False),
    ]
    assert [(i.columns, i.unique) for i in user.indexes] == [(("email",), True)]
    assert [c.name for c in item.columns] == ["id", "title", "owner_id"]
    assert [(f.columns, f.ref_table, f.ref_columns) for f in item.foreign_keys] == [
        (("owner_id",), "user", ("id",))
    ]


FLASK = """from app import db


class OrderLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    sku = db.Column("stock_unit", db.String(40))


class Order(db.Model):
    __tablename__ = "orders"
    id = db.Column(db.Integer, primary_key=True)
    customer = db.relationship("Customer")


db.Index("ix_line_sku", OrderLine.sku, unique=True)
"""


def test_flask_sqlalchemy_models_take_the_snake_case_name() -> None:
    tables = schema_of(("shop/models.py", FLASK))
    assert sorted(tables) == ["order_line", "orders"]
    line = tables["order_line"]
    assert [(c.name, c.nullable) for c in line.columns] == [
        ("id", False),
        ("order_id", False),
        ("stock_unit", True),
    ]
    assert sorted((i.name, i.columns, i.unique) for i in line.indexes) == [
        ("", ("order_id",), False),
        ("ix_line_sku", ("stock_unit",), True),
    ]
    assert [(f.columns, f.ref_table) for f in line.foreign_keys] == [(("order_id",), "orders")]


def test_files_without_models_give_nothing() -> None:
    for text in (
        "from pydantic import BaseModel\n\nclass A(BaseModel):\n    x: int\n",
        "from sqlalchemy import select\n\nquery = select(1)\n",
        "from django.db import models\n\nclass A(models.Model):\n    x = models.IntegerField()\n",
    ):
        pf = ParsedFile("m.py", "python", text, tree=ast.parse(text))
        assert sqlalchemy.extract(pf) is None, text


def filters_of(text: str) -> list[tuple[int, str, str]]:
    read = ormqueries.extract(ParsedFile("app/views.py", "python", text, tree=ast.parse(text)))
    return [] if read is None else [(f.line, f.model, f.field) for f in read.filters]


def test_orm_filters_are_read_only_where_the_model_is_written() -> None:
    text = """from django.shortcuts import get_object_or_404
from blog.models import Author, Post


def view(request, slug):
    Post.objects.filter(published=True, title__icontains="x")
    Post.objects.select_related("author").get(views__gte=3)
    Post.objects.filter(author__name="ann")
    get_object_or_404(Author, name=slug)
    request.user.posts.filter(published=True)
    Post.objects.filter(**request.GET.dict())
    Post.objects.get(pk=1)
"""
    assert filters_of(text) == [
        (6, "Post", "published"),
        (6, "Post", "title"),
        (7, "Post", "views"),
        (9, "Author", "name"),
    ]


def test_django_filters_are_judged_against_the_migrated_schema(tmp_path: Path) -> None:
    root = copy_fixture("db-django", tmp_path)
    (root / "blog" / "feeds.py").write_text(
        "from blog.models import Author, Post\n"
        "\n"
        "\n"
        "def latest():\n"
        "    return Post.objects.filter(published=True)[:10]\n"
        "\n"
        "\n"
        "def by_slug(slug):\n"
        "    return Post.objects.get(slug=slug)\n"
        "\n"
        "\n"
        "def for_author(author):\n"
        "    return Post.objects.filter(author=author, published=True)\n"
    )
    results = outcomes(context_for(root))
    gk216 = [
        (f.location.path, f.location.line, f.message)
        for f in results["database.indexing_strategy"].findings
        if f.rule_id == "GK216"
    ]
    # published alone has no index; slug is unique; author_id (a foreign key) leads Django's
    # own index, so the third query is served.
    assert gk216 == [
        (
            "blog/feeds.py",
            5,
            "Post.objects.filter(published=...) filters blog_post.published, and no index "
            "starts with it",
        )
    ]
