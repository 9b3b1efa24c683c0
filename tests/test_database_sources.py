"""Phase 2 schema sources beyond Alembic/Django/SQL: JPA entities, GORM models, Prisma, Sequelize,
MongoDB (mongoose, createIndex/create_index, Spring Data) and Liquibase, each read statically
into the same schema model; the four criteria on the db-jpa-postgres, db-gorm, db-prisma and
db-mongoose fixtures and on hand-built repositories. No target code is ever imported."""

from __future__ import annotations

import pickle
from pathlib import Path

from gatekeeper.extract import EXTRACTORS
from gatekeeper.extract.base import ParsedFile
from gatekeeper.migrations import gorm, jpa, jsorm, liquibase, ormmodels, prisma, sql, textscan
from gatekeeper.migrations.model import IndexOrigin, OpKind, SchemaModel, Tool
from gatekeeper.migrations.ormmodels import CodeSchema
from gatekeeper.migrations.replay import replay
from gatekeeper.model import Status
from gatekeeper.phases import database as db
from tests.test_database_phase import (
    PASS_ALL,
    audit_database,
    context_for,
    copy_fixture,
    found,
    outcomes,
    statuses,
    write,
)

JPA_MODEL = "src/main/java/com/acme/orders/model"
JPA_PROPERTIES = "src/main/resources/application.properties"


def only_history(root: Path) -> tuple[Tool, str, SchemaModel]:
    facts = db.facts_of(context_for(root))
    assert len(facts.histories) == 1, [(h.key, h.tool) for h in facts.histories]
    history = facts.histories[0]
    return history.tool, history.dialect, history.schema


def columns(schema: SchemaModel, table: str) -> list[tuple[str, bool]]:
    found_table = schema.table(table)
    assert found_table is not None, [t.name for t in schema.tables]
    return [(c.name, c.nullable) for c in found_table.columns]


def parsed(path: str, language: str, text: str) -> ParsedFile:
    return ParsedFile(path, language, text)


# ---------------------------------------------------------------------------- JPA


def test_jpa_entities_are_the_schema_when_there_are_no_migrations(tmp_path: Path) -> None:
    tool, dialect, schema = only_history(copy_fixture("db-jpa-postgres", tmp_path))
    assert (tool, dialect) == (Tool.JPA, "postgres")
    assert [t.name for t in schema.tables] == ["addresses", "customers", "orders"]
    # The @MappedSuperclass's id and created_at come first, from BaseEntity.java.
    assert columns(schema, "orders") == [
        ("id", False),
        ("created_at", False),
        ("total", False),
        ("status", True),
        ("customer_id", False),  # @ManyToOne(optional = false)
        ("shipping_address_id", True),
    ]
    orders = schema.table("orders")
    customers = schema.table("customers")
    assert orders is not None and customers is not None
    assert orders.primary_key == ("id",)
    assert orders.column("id").file == f"{JPA_MODEL}/BaseEntity.java"  # type: ignore[union-attr]
    assert orders.column("customer_id").type == "long"  # type: ignore[union-attr]
    assert [(f.columns, f.ref_table, f.ref_columns, f.line) for f in orders.foreign_keys] == [
        (("customer_id",), "customers", ("id",), 18),
        (("shipping_address_id",), "addresses", ("id",), 23),
    ]
    assert [(i.name, i.columns, i.unique) for i in orders.indexes] == [
        ("ix_orders_customer", ("customer_id", "created_at"), False)
    ]
    assert [(i.columns, i.unique, i.origin) for i in customers.indexes] == [
        (("email",), True, IndexOrigin.IMPLIED)
    ]
    assert customers.column("email").type == "string(320)"  # type: ignore[union-attr]
    # @NotNull is NOT NULL in Hibernate's DDL; @NotBlank alone is not.
    assert columns(schema, "addresses")[2:] == [
        ("street", False),
        ("city", False),
        ("postcode", True),
    ]


def test_jpa_fixture_findings(tmp_path: Path) -> None:
    ctx = context_for(copy_fixture("db-jpa-postgres", tmp_path))
    results = outcomes(ctx)
    assert statuses(results) == {
        **PASS_ALL,
        "database.indexing_strategy": Status.FAIL,
        "database.migration_approach": Status.FAIL,
    }
    indexing = results["database.indexing_strategy"]
    assert found(indexing) == {("GK211", f"{JPA_MODEL}/Order.java", 23)}
    assert "orders.shipping_address_id references addresses" in indexing.findings[0].message
    assert "Hibernate does not either" in indexing.findings[0].message
    assert any(
        "orders.customer_id: foreign key covered by index ix_orders_customer" in e.what
        for e in indexing.evidence
    )
    migration = results["database.migration_approach"]
    assert found(migration) == {("GK234", JPA_PROPERTIES, 4)}
    assert "spring.jpa.hibernate.ddl-auto=update" in migration.findings[0].message
    validation = results["database.data_validation_rules"]
    assert any("Bean Validation" in e.what for e in validation.evidence)
    assert (
        f"{JPA_MODEL.rpartition('/')[0]}/web/OrderController.java",
        16,
        "@Valid (Bean Validation)",
    ) in {(v.path, v.line, v.what) for v in db.facts_of(ctx).validation}


def test_jpa_entities_without_ddl_auto_or_migrations(tmp_path: Path) -> None:
    root = copy_fixture("db-jpa-postgres", tmp_path)
    (root / JPA_PROPERTIES).write_text("spring.datasource.url=jdbc:postgresql://db/orders\n")
    migration = outcomes(context_for(root))["database.migration_approach"]
    assert found(migration) == {("GK236", f"{JPA_MODEL}/Address.java", None)}


def test_flyway_migrations_take_precedence_over_entities(tmp_path: Path) -> None:
    root = copy_fixture("db-jpa-postgres", tmp_path)
    write(
        root,
        {
            "src/main/resources/db/migration/V1__init.sql": (
                "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE);\n"
                "CREATE TABLE orders (id bigserial PRIMARY KEY,\n"
                "  customer_id bigint NOT NULL REFERENCES customers (id));\n"
                "CREATE INDEX ix_orders_customer ON orders (customer_id);\n"
            ),
        },
    )
    ctx = context_for(root)
    tool, _, schema = only_history(root)
    assert tool is Tool.SQL
    assert [t.name for t in schema.tables] == ["customers", "orders"]
    facts = db.facts_of(ctx)
    assert {b.path for b in facts.beside} == {
        f"{JPA_MODEL}/{name}.java" for name in ("Address", "Customer", "Order")
    }
    results = outcomes(ctx)
    assert results["database.indexing_strategy"].status is Status.PASS
    documented = results["database.schema_documented"]
    assert any("JPA entities beside the migrations" in e.what for e in documented.evidence)
    # ddl-auto=update beside migrations: a low finding, the gate still passes.
    migration = results["database.migration_approach"]
    assert migration.status is Status.PASS
    assert found(migration) == {("GK235", JPA_PROPERTIES, 4)}


def test_jpa_kotlin_entities_and_spring_data_documents() -> None:
    kotlin = (
        "package x\n"
        "import jakarta.persistence.*\n\n"
        "@Entity\n"
        '@Table(name = "invoices", indexes = [Index(columnList = "account_id")])\n'
        "class Invoice(\n"
        "    @Id @GeneratedValue val id: Long? = null,\n"
        '    @ManyToOne @JoinColumn(name = "account_id", nullable = false) val account: Account,\n'
        '    @Column(unique = true, nullable = false) var number: String = "",\n'
        ") {\n"
        "    var note: String? = null\n"
        '    @Column(name = "paid_at")\n'
        "    var paidAt: Instant? = null\n"
        "    fun pay() { paidAt = Instant.now() }\n"
        "}\n\n"
        "@Entity class Account(@Id val id: Long, val email: String)\n"
    )
    fact = jpa.extract(parsed("src/Invoice.kt", "kotlin", kotlin))
    assert fact is not None
    schema = replay(ormmodels.resolve(Tool.JPA, fact.models), check_safety=False)
    assert columns(schema, "invoices") == [
        ("id", False),
        ("number", False),
        ("note", True),
        ("paid_at", True),
        ("account_id", False),
    ]
    invoices = schema.table("invoices")
    assert invoices is not None
    assert [(f.columns, f.ref_table) for f in invoices.foreign_keys] == [
        (("account_id",), "account")
    ]
    document = (
        "import org.springframework.data.mongodb.core.mapping.Document;\n"
        "import org.springframework.data.mongodb.core.index.Indexed;\n"
        '@Document(collection = "people")\n'
        "@CompoundIndex(def = \"{'tenant': 1, 'handle': 1}\", unique = true)\n"
        "public class Person {\n"
        "    @Id private String id;\n"
        "    @Indexed(unique = true) private String email;\n"
        "    private String handle;\n"
        "    private String tenant;\n"
        "}\n"
    )
    fact = jpa.extract(parsed("src/Person.java", "java", document))
    assert fact is not None and [m.tool for m in fact.models] == [Tool.MONGODB]
    schema = replay(ormmodels.resolve(Tool.MONGODB, fact.models, keys=False), check_safety=False)
    people = schema.table("people")
    assert people is not None and people.primary_key == ("_id",)
    assert {(i.columns, i.unique) for i in people.indexes} == {
        (("email",), True),
        (("tenant", "handle"), True),
    }


def test_unclosed_entity_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = copy_fixture("db-jpa-postgres", tmp_path)
    write(
        root,
        {
            f"{JPA_MODEL}/Broken.java": (
                "package com.acme.orders.model;\n\n@Entity\npublic class Broken {\n"
                "    private Long id;\n"
            )
        },
    )
    results = outcomes(context_for(root))
    documented = results["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", f"{JPA_MODEL}/Broken.java", None)}
    assert "Broken.java" in documented.message
    assert "class Broken is not closed" in documented.findings[0].message


# ---------------------------------------------------------------------------- GORM


def test_gorm_models_relations_and_tags(tmp_path: Path) -> None:
    tool, dialect, schema = only_history(copy_fixture("db-gorm", tmp_path))
    assert (tool, dialect) == (Tool.GORM, "postgres")
    # Comment's TableName() renames it; gorm.Model brings id and the timestamps.
    assert [t.name for t in schema.tables] == ["post_comments", "posts", "users"]
    assert columns(schema, "users") == [
        ("id", False),
        ("created_at", True),
        ("updated_at", True),
        ("deleted_at", True),
        ("email", False),
        ("username", False),
    ]
    posts = schema.table("posts")
    comments = schema.table("post_comments")
    users = schema.table("users")
    assert posts is not None and comments is not None and users is not None
    # User.Posts (foreignKey:AuthorID) and Post.Author describe one key, declared once.
    assert [(f.columns, f.ref_table, f.line) for f in posts.foreign_keys] == [
        (("author_id",), "users", 21)
    ]
    assert [(f.columns, f.ref_table) for f in comments.foreign_keys] == [(("post_id",), "posts")]
    assert {(i.name, i.columns, i.unique) for i in comments.indexes} == {
        ("idx_comments_post_created", ("post_id", "created"), False)
    }
    assert [c.expression for c in comments.checks] == ["body <> ''"]
    assert {(i.columns, i.unique) for i in users.indexes} == {
        (("deleted_at",), False),
        (("email",), True),
        (("username",), True),
    }


def test_gorm_fixture_findings(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("db-gorm", tmp_path)))
    assert statuses(results) == {**PASS_ALL, "database.migration_approach": Status.FAIL}
    migration = results["database.migration_approach"]
    assert found(migration) == {("GK234", "main.go", 21)}
    assert "AutoMigrate()" in migration.findings[0].message
    validation = results["database.data_validation_rules"]
    assert any(
        e.path == "internal/handlers/posts.go" and 'binding:"required' in e.what
        for e in validation.evidence
    )


def test_gorm_belongs_to_has_one_and_many_to_many() -> None:
    text = (
        'package models\n\nimport "gorm.io/gorm"\n\n'
        "type Company struct { ID uint; Name string }\n"
        "type Profile struct { ID uint; UserID uint; Bio string }\n"
        'type Language struct { ID uint; Code string `gorm:"unique"` }\n'
        "type User struct {\n"
        "\tgorm.Model\n"
        "\tCompanyID uint\n"
        "\tCompany   Company\n"
        "\tProfile   Profile\n"
        '\tLanguages []Language `gorm:"many2many:user_languages;"`\n'
        "\tStatus    Status\n"
        "}\n"
        "type Status string\n"
        "func Setup(db *gorm.DB) { db.AutoMigrate(&Company{}, &Profile{}, &Language{}, &User{}) }\n"
    )
    fact = gorm.extract(parsed("models/models.go", "go", text))
    assert fact is not None
    assert fact.migrated == ("Company", "Language", "Profile", "User")
    schema = replay(
        ormmodels.resolve(Tool.GORM, fact.models, migrated=fact.migrated), check_safety=False
    )
    users = schema.table("users")
    assert users is not None
    assert [(f.columns, f.ref_table) for f in users.foreign_keys] == [
        (("company_id",), "companies")
    ]
    assert users.column("status") is not None  # a string type, not a relation
    assert users.column("company") is None and users.column("profile") is None
    profiles = schema.table("profiles")
    assert profiles is not None
    assert [(f.columns, f.ref_table) for f in profiles.foreign_keys] == [(("user_id",), "users")]
    join = schema.table("user_languages")
    assert join is not None and join.primary_key == ("user_id", "language_id")
    assert [(f.columns, f.ref_table) for f in join.foreign_keys] == [
        (("language_id",), "languages"),
        (("user_id",), "users"),
    ]


def test_gorm_join_table_second_key_needs_an_index(tmp_path: Path) -> None:
    root = copy_fixture("db-gorm", tmp_path)
    models = root / "internal/models/models.go"
    models.write_text(
        models.read_text().replace(
            '\tPosts    []Post `gorm:"foreignKey:AuthorID"`\n',
            '\tPosts    []Post `gorm:"foreignKey:AuthorID"`\n'
            '\tFollows  []Post `gorm:"many2many:user_follows;"`\n',
        )
    )
    results = outcomes(context_for(root))
    assert found(results["database.indexing_strategy"]) == {
        ("GK211", "internal/models/models.go", 14)
    }
    assert "user_follows.post_id" in results["database.indexing_strategy"].findings[0].message


# ---------------------------------------------------------------------------- Prisma


def test_prisma_migrations_are_the_schema_and_the_schema_file_documents_it(
    tmp_path: Path,
) -> None:
    root = copy_fixture("db-prisma", tmp_path)
    ctx = context_for(root)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.SQL, "postgres")
    assert [m.id for m in schema.migrations] == ["20240105090000", "20240212153000"]
    assert [t.name for t in schema.tables] == ["notes", "users"]
    assert columns(schema, "users")[-1] == ("bio", True)
    notes = schema.table("notes")
    assert notes is not None
    assert {(i.name, i.columns, i.unique) for i in notes.indexes} == {
        ("notes_author_id_idx", ("author_id",), False),
        ("notes_slug_key", ("slug",), True),
    }
    assert [(f.columns, f.ref_table) for f in notes.foreign_keys] == [(("author_id",), "users")]
    results = outcomes(ctx)
    assert statuses(results) == PASS_ALL
    assert all(not out.findings for out in results.values())
    documented = results["database.schema_documented"]
    assert any(
        e.path == "prisma/schema.prisma" and "Prisma schema beside the migrations" in e.what
        for e in documented.evidence
    )


def test_prisma_schema_without_migrations(tmp_path: Path) -> None:
    root = copy_fixture("db-prisma", tmp_path)
    for path in sorted((root / "prisma/migrations").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    ctx = context_for(root)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.PRISMA, "postgres")
    assert columns(schema, "notes") == [
        ("id", False),
        ("slug", False),
        ("title", False),
        ("body", False),
        ("author_id", False),
        ("created_at", False),
    ]
    notes = schema.table("notes")
    assert notes is not None and notes.column("slug").type == "varchar(80)"  # type: ignore[union-attr]
    assert [(f.columns, f.ref_table, f.line) for f in notes.foreign_keys] == [
        (("author_id",), "users", 27)
    ]
    results = outcomes(ctx)
    assert results["database.indexing_strategy"].status is Status.PASS
    assert found(results["database.migration_approach"]) == {
        ("GK236", "prisma/schema.prisma", None)
    }


def test_prisma_relation_scalar_without_index_on_postgres(tmp_path: Path) -> None:
    root = copy_fixture("db-prisma", tmp_path)
    for path in sorted((root / "prisma/migrations").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    schema_file = root / "prisma/schema.prisma"
    schema_file.write_text(schema_file.read_text().replace("  @@index([authorId])\n", ""))
    indexing = outcomes(context_for(root))["database.indexing_strategy"]
    assert found(indexing) == {("GK211", "prisma/schema.prisma", 27)}
    assert "Prisma does not either" in indexing.findings[0].message


def test_prisma_schema_details_and_unparsable_files(tmp_path: Path) -> None:
    text = (
        'datasource db {\n  provider = "mysql"\n  url = env("DB")\n  relationMode = "prisma"\n}\n'
        "model Like {\n"
        "  userId Int\n  postId Int\n"
        "  user User @relation(fields: [userId], references: [id])\n"
        "  @@id([userId, postId])\n"
        '  @@unique(fields: [postId, userId], map: "likes_post_user")\n'
        "}\n"
        "model User {\n  id Int @id\n  likes Like[]\n  tags String[]\n}\n"
    )
    schema = prisma.parse_schema(text, "prisma/schema.prisma")
    assert (schema.provider, schema.dialect, schema.relation_mode) == ("mysql", "mysql", "prisma")
    like = next(m for m in schema.models if m.name == "Like")
    assert [(f.column, f.primary_key) for f in like.fields] == [
        ("userId", True),
        ("postId", True),
    ]
    assert [(i.name, i.columns, i.unique) for i in like.indexes] == [
        ("likes_post_user", ("postId", "userId"), True)
    ]
    user = next(m for m in schema.models if m.name == "User")
    assert [f.type for f in user.fields] == ["int", "string[]"]
    assert prisma.parse_schema("model X {\n  id Int @id\n", "a.prisma").problems == (
        "line 1: `{` is never closed",
    )
    root = copy_fixture("db-prisma", tmp_path)
    (root / "prisma/schema.prisma").write_text("model Broken {\n  id Int @id\n")
    documented = outcomes(context_for(root))["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", "prisma/schema.prisma", None)}
    assert "prisma/schema.prisma" in documented.message


def test_prisma_migration_directories_are_one_history() -> None:
    classified = sql.classify("prisma/migrations/20240105090000_init/migration.sql")
    assert classified is not None
    assert (classified.flavor, classified.version) == (sql.SqlFlavor.PRISMA, (20240105090000,))
    assert sql.classify("prisma/migrations/migration_lock.toml") is None


# ---------------------------------------------------------------------------- MongoDB


def test_mongoose_fixture_schema_and_findings(tmp_path: Path) -> None:
    root = copy_fixture("db-mongoose", tmp_path)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.MONGODB, "mongodb")
    assert [t.name for t in schema.tables] == ["audit_events", "sessions", "users"]
    assert columns(schema, "users") == [
        ("_id", False),
        ("email", False),
        ("username", False),
        ("displayname", True),
        ("address.city", True),
        ("address.country", True),
    ]
    sessions = schema.table("sessions")
    assert sessions is not None and sessions.foreign_keys == ()  # ref: 'User' is no key
    assert {(i.columns, i.unique) for i in sessions.indexes} == {
        (("token",), True),
        (("user", "expiresat"), False),
    }
    results = outcomes(context_for(root))
    assert statuses(results) == {
        "database.schema_documented": Status.PASS,
        "database.indexing_strategy": Status.FAIL,
        "database.migration_approach": Status.NOT_APPLICABLE,
        "database.data_validation_rules": Status.FAIL,
    }
    indexing = results["database.indexing_strategy"]
    assert found(indexing) == {("GK212", "src/models/user.js", 7)}
    assert any("users.email: unique (unique column)" in e.what for e in indexing.evidence)
    assert found(results["database.data_validation_rules"]) == {("GK242", "package.json", 13)}


def test_mongo_indexes_from_python_code(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "pyproject.toml": (
                '[project]\nname = "inv"\ndependencies = ["aiohttp", "motor", "pydantic"]\n'
            ),
            "app/db.py": (
                "from motor.motor_asyncio import AsyncIOMotorClient\n\n"
                "async def setup(client: AsyncIOMotorClient) -> None:\n"
                "    db = client.inventory\n"
                '    await db.users.create_index("email", unique=True)\n'
                '    await db["items"].create_index([("sku", 1), ("owner", 1)], unique=True)\n'
                '    await db.items.create_index("slug")\n'
            ),
        },
    )
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.MONGODB, "mongodb")
    items = schema.table("items")
    assert items is not None
    assert {(i.columns, i.unique, i.line) for i in items.indexes} == {
        (("sku", "owner"), True, 6),
        (("slug",), False, 7),
    }
    results = outcomes(context_for(root))
    assert found(results["database.indexing_strategy"]) == {("GK213", "app/db.py", 7)}
    # Collections known only from their indexes are not judged on constraints.
    assert "GK241" not in {f[0] for f in found(results["database.data_validation_rules"])}


def test_mongo_without_any_schema_source_fails_documentation(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("aiohttp-mongo", tmp_path)))
    documented = results["database.schema_documented"]
    assert documented.status is Status.FAIL
    assert {f[0] for f in found(documented)} == {"GK201"}
    assert "uses mongodb but no schema source" in documented.findings[0].message
    assert results["database.migration_approach"].status is Status.NOT_APPLICABLE


def test_unread_document_sources_stay_errors(tmp_path: Path) -> None:
    root = write(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "d"\ndependencies = ["fastapi", "mongoengine"]\n',
            "app/models.py": "import mongoengine\n\nclass User(mongoengine.Document):\n    pass\n",
        },
    )
    results = outcomes(context_for(root))
    # MongoDB alone has no schema migrations, whatever defines its documents.
    assert results.pop("database.migration_approach").status is Status.NOT_APPLICABLE
    for out in results.values():
        assert out.status is Status.ERROR
        assert "schema sources for mongoengine documents are not analyzed yet" in out.message


# ---------------------------------------------------------------------------- Sequelize

SEQUELIZE_REPO = {
    "package.json": (
        '{"name": "shop", "dependencies": {"express": "^4", "pg": "^8", "sequelize": "^6",'
        ' "joi": "^17"}}\n'
    ),
    "src/app.js": (
        "const express = require('express');\nconst Joi = require('joi');\n"
        "const { sequelize } = require('./models');\n"
        "const app = express();\n"
        "sequelize.sync();\n"
        "app.listen(3000);\n"
    ),
    "src/models/index.js": (
        "const { Sequelize, DataTypes, Model } = require('sequelize');\n"
        "const sequelize = new Sequelize(process.env.DATABASE_URL);\n"
        "const User = sequelize.define('User', {\n"
        "  email: { type: DataTypes.STRING(120), allowNull: false, unique: true,\n"
        "           validate: { isEmail: true } },\n"
        "  username: DataTypes.STRING,\n"
        "}, { tableName: 'users' });\n"
        "class Order extends Model {}\n"
        "Order.init({ total: { type: DataTypes.DECIMAL(10, 2), allowNull: false } },\n"
        "  { sequelize, modelName: 'Order' });\n"
        "Order.belongsTo(User, { foreignKey: 'userId' });\n"
        "module.exports = { sequelize, User, Order };\n"
    ),
    "migrations/20240101000000-create-users.js": (
        "'use strict';\n"
        "module.exports = {\n"
        "  async up(queryInterface, Sequelize) {\n"
        "    await queryInterface.createTable('users', {\n"
        "      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },\n"
        "      email: { type: Sequelize.STRING, allowNull: false, unique: true },\n"
        "      username: { type: Sequelize.STRING },\n"
        "    });\n"
        "    await queryInterface.createTable('Orders', {\n"
        "      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },\n"
        "      userId: { type: Sequelize.INTEGER, references: { model: 'users', key: 'id' } },\n"
        "    });\n"
        "  },\n"
        "  async down(queryInterface) {\n"
        "    await queryInterface.dropTable('Orders');\n"
        "    await queryInterface.dropTable('users');\n"
        "  },\n"
        "};\n"
    ),
    "migrations/20240201000000-add-total.js": (
        "module.exports = {\n"
        "  up: async (queryInterface, Sequelize) => {\n"
        "    await queryInterface.addColumn('Orders', 'total', {\n"
        "      type: Sequelize.DECIMAL(10, 2), allowNull: false });\n"
        "    await queryInterface.addIndex('users', ['username'], { unique: true });\n"
        "  },\n"
        "  down: async () => {},\n"
        "};\n"
    ),
}


def test_sequelize_migrations_replay_and_their_findings(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", SEQUELIZE_REPO)
    ctx = context_for(root)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.SEQUELIZE, "postgres")
    assert [m.id for m in schema.migrations] == [
        "20240101000000-create-users",
        "20240201000000-add-total",
    ]
    assert columns(schema, "orders") == [("id", False), ("userid", True), ("total", False)]
    users = schema.table("users")
    assert users is not None
    assert {(i.columns, i.unique) for i in users.indexes} == {
        (("email",), True),
        (("username",), True),
    }
    facts = db.facts_of(ctx)
    assert {b.what for b in facts.beside} == {"Sequelize models beside the migrations"}
    results = outcomes(ctx)
    add_total = "migrations/20240201000000-add-total.js"
    assert found(results["database.migration_approach"]) == {
        ("GK226", add_total, 7),  # down() does nothing
        ("GK227", add_total, 3),  # NOT NULL orders.total without a default
        ("GK228", add_total, 5),  # unique index on an existing table, not concurrently
        ("GK235", "src/app.js", 5),  # sequelize.sync() beside the migrations
    }
    assert found(results["database.indexing_strategy"]) == {
        ("GK211", "migrations/20240101000000-create-users.js", 11)  # Orders.userId
    }
    validation = results["database.data_validation_rules"]
    assert validation.status is Status.PASS
    assert any("Joi" in e.what for e in validation.evidence)


def test_sequelize_models_are_the_schema_without_migrations(tmp_path: Path) -> None:
    files = {k: v for k, v in SEQUELIZE_REPO.items() if not k.startswith("migrations/")}
    root = write(tmp_path / "repo", files)
    tool, _, schema = only_history(root)
    assert tool is Tool.SEQUELIZE_MODELS
    assert [t.name for t in schema.tables] == ["orders", "users"]
    assert columns(schema, "orders") == [("id", False), ("total", False), ("userid", True)]
    orders = schema.table("orders")
    assert orders is not None
    assert [(f.columns, f.ref_table, f.line) for f in orders.foreign_keys] == [
        (("userid",), "users", 11)
    ]
    results = outcomes(context_for(root))
    assert found(results["database.migration_approach"]) == {("GK234", "src/app.js", 5)}
    assert found(results["database.indexing_strategy"]) == {
        ("GK211", "src/models/index.js", 11),
        ("GK212", "src/models/index.js", 6),  # users.username has no index
    }


def test_sequelize_extractor_forms() -> None:
    text = (
        "module.exports = {\n"
        "  up: (queryInterface) => queryInterface.removeColumn('users', 'legacy'),\n"
        "  down: async () => { throw new Error('no way back'); },\n"
        "};\n"
    )
    fact = jsorm.extract(parsed("db/migrations/20240301-drop.js", "javascript", text))
    assert fact is not None and fact.migration is not None
    migration = fact.migration
    assert [(op.kind, op.table, op.column) for op in migration.operations] == [
        (OpKind.DROP_COLUMN, "users", "legacy")
    ]
    assert migration.reversible is False
    assert migration.version == (20240301,)
    # Knex migrations look alike and are not read as Sequelize.
    knex = "exports.up = (knex) => knex.schema.createTable('x', (t) => {});\n"
    assert jsorm.extract(parsed("migrations/1_x.js", "javascript", knex)) is None


# ---------------------------------------------------------------------------- Liquibase

LIQUIBASE_MASTER = "src/main/resources/db/changelog/db.changelog-master.yaml"
LIQUIBASE_YAML = (
    "databaseChangeLog:\n"
    "  - changeSet:\n"
    "      id: 1\n"
    "      author: ann\n"
    "      changes:\n"
    "        - createTable:\n"
    "            tableName: customers\n"
    "            columns:\n"
    "              - column:\n"
    "                  name: id\n"
    "                  type: bigint\n"
    "                  autoIncrement: true\n"
    "                  constraints:\n"
    "                    primaryKey: true\n"
    "              - column:\n"
    "                  name: email\n"
    "                  type: varchar(320)\n"
    "                  constraints:\n"
    "                    nullable: false\n"
    "                    unique: true\n"
    "  - include:\n"
    "      file: changes/002-orders.xml\n"
    "      relativeToChangelogFile: true\n"
)
LIQUIBASE_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
    '  <changeSet id="2" author="bob">\n'
    '    <createTable tableName="orders">\n'
    '      <column name="id" type="bigint"><constraints primaryKey="true"/></column>\n'
    '      <column name="customer_id" type="bigint">\n'
    '        <constraints nullable="false" references="customers(id)"\n'
    '                     foreignKeyName="fk_orders_customer"/>\n'
    "      </column>\n"
    "    </createTable>\n"
    "  </changeSet>\n"
    '  <changeSet id="3" author="bob">\n'
    '    <createIndex tableName="customers" indexName="ix_customers_created">\n'
    '      <column name="id"/>\n'
    "    </createIndex>\n"
    '    <dropColumn tableName="orders" columnName="legacy_ref"/>\n'
    "  </changeSet>\n"
    "</databaseChangeLog>\n"
)


def test_liquibase_changelogs_replay_in_include_order(tmp_path: Path) -> None:
    root = copy_fixture("db-jpa-postgres", tmp_path)
    write(
        root,
        {
            LIQUIBASE_MASTER: LIQUIBASE_YAML,
            "src/main/resources/db/changelog/changes/002-orders.xml": LIQUIBASE_XML,
        },
    )
    (root / JPA_PROPERTIES).write_text("spring.liquibase.change-log=classpath:db/changelog\n")
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.LIQUIBASE, "postgres")
    assert [m.id for m in schema.migrations] == ["ann:1", "bob:2", "bob:3"]
    assert columns(schema, "customers") == [("id", False), ("email", False)]
    orders = schema.table("orders")
    assert orders is not None
    assert [(f.columns, f.ref_table, f.name) for f in orders.foreign_keys] == [
        (("customer_id",), "customers", "fk_orders_customer")
    ]
    results = outcomes(context_for(root))
    xml = "src/main/resources/db/changelog/changes/002-orders.xml"
    assert found(results["database.migration_approach"]) == {
        ("GK226", xml, 12),  # dropColumn: no automatic rollback, no rollback block
        ("GK228", xml, 13),  # createIndex on an existing table
        ("GK232", xml, 16),  # drop column
    }
    assert found(results["database.indexing_strategy"]) == {("GK211", xml, 4)}
    documented = results["database.schema_documented"]
    assert any("JPA entities beside the migrations" in e.what for e in documented.evidence)


def test_liquibase_refuses_entities_and_reports_bad_yaml(tmp_path: Path) -> None:
    assert liquibase.parse("db/changelog/x.xml", "<project/>") is None
    log = liquibase.parse(
        "db/changelog/x.xml", '<!DOCTYPE x [<!ENTITY a "b">]><databaseChangeLog/>'
    )
    assert log is not None and log.problems == [
        "declares a DTD or entities (DTDForbidden); not read"
    ]
    root = copy_fixture("db-jpa-postgres", tmp_path)
    write(root, {LIQUIBASE_MASTER: "databaseChangeLog: [\n  - changeSet: {id: 1\n"})
    documented = outcomes(context_for(root))["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", LIQUIBASE_MASTER, None)}


# ---------------------------------------------------------------------------- shared machinery


def test_extractors_are_registered_and_facts_cross_processes() -> None:
    names = [e.name for e in EXTRACTORS]
    assert {"migrations.jpa", "migrations.gorm", "migrations.javascript"} <= set(names)
    text = 'type User struct {\n\tgorm.Model\n\tEmail string `gorm:"unique"`\n}\n'
    fact = gorm.extract(parsed("m.go", "go", text))
    assert isinstance(fact, CodeSchema)
    assert pickle.loads(pickle.dumps(fact)) == fact


def test_naming_rules() -> None:
    assert [ormmodels.snake(n) for n in ("UserID", "HTTPServer", "customerId", "ID")] == [
        "user_id",
        "http_server",
        "customer_id",
        "id",
    ]
    assert [ormmodels.plural(n) for n in ("user", "category", "address", "person", "news")] == [
        "users",
        "categories",
        "addresses",
        "people",
        "news",
    ]
    assert ormmodels.plural("user_profile") == "user_profiles"


def test_hostile_source_text_is_bounded_and_never_raises() -> None:
    deep = "const s = new Schema(" + "{a: " * 5000 + "1" + "}" * 5000 + ");\n"
    unclosed = "sequelize.define('X', {" + "[" * 20000
    strings = "'" * 50000 + '"' * 50000
    for text in (deep, unclosed, strings, "\x00\x01" * 1000):
        for language, extractor in (
            ("javascript", jsorm.extract),
            ("java", jpa.extract),
            ("go", gorm.extract),
        ):
            extractor(parsed("models/x.js", language, "@Entity gorm mongoose " + text))
    tokens = textscan.tokenize(deep, "javascript")
    reader = textscan.Reader(tokens)
    node, _ = reader.value(tokens.index(next(t for t in tokens if t.text == "new")))
    assert node.kind is textscan.Kind.CALL  # read up to the depth cap, the rest as OTHER
    assert prisma.parse_schema("model A {" * 3000, "s.prisma").problems


def test_pipeline_reads_new_sources_through_the_workers(tmp_path: Path) -> None:
    result = audit_database(copy_fixture("db-gorm", tmp_path))
    assert {cid: status for cid, (status, _) in result.items()} == {
        **{cid: "pass" for cid in PASS_ALL},
        "database.migration_approach": "fail",
    }
    assert result["database.migration_approach"][1] == [("GK234", "main.go", 21)]
    result = audit_database(copy_fixture("db-mongoose", tmp_path))
    assert result["database.indexing_strategy"] == (
        "fail",
        [("GK212", "src/models/user.js", 7)],
    )


def test_unclosed_js_and_go_schema_sources_are_errors_naming_the_file(tmp_path: Path) -> None:
    root = write(tmp_path / "repo", SEQUELIZE_REPO)
    broken = "migrations/20240301000000-broken.js"
    write(
        root,
        {
            broken: (
                "module.exports = {\n  async up(queryInterface, Sequelize) {\n"
                "    await queryInterface.addColumn('users', 'x', { type: Sequelize.STRING });\n"
            )
        },
    )
    documented = outcomes(context_for(root))["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert found(documented) == {("GK202", broken, None)}
    assert "never closed" in documented.findings[0].message
    root = copy_fixture("db-gorm", tmp_path)
    write(
        root,
        {
            "internal/models/broken.go": (
                'package models\n\ntype Tag struct {\n\tName string `gorm:"unique"`\n'
            )
        },
    )
    documented = outcomes(context_for(root))["database.schema_documented"]
    assert found(documented) == {("GK202", "internal/models/broken.go", None)}
    assert "struct Tag is not closed" in documented.findings[0].message


def test_regular_expression_literals_do_not_unbalance_a_schema() -> None:
    text = (
        "const s = new mongoose.Schema({\n"
        "  phone: { type: String, match: /^[(]?\\d{3}[)]?'/ },\n"
        "  handle: { type: String, unique: true },\n"
        "});\n"
        "module.exports = mongoose.model('Contact', s);\n"
    )
    fact = jsorm.extract(parsed("src/models/contact.js", "javascript", text))
    assert fact is not None and fact.problems == ()
    assert [f.name for f in fact.models[0].fields] == ["_id", "phone", "handle"]
    tokens = textscan.tokenize("x = a / b / c; y = /[/]/g.test(z)", "javascript")
    assert [t.text for t in tokens if t.kind == "str"] == ["[/]/g"]


def test_ddl_auto_in_test_and_local_profiles_is_not_a_finding(tmp_path: Path) -> None:
    root = copy_fixture("db-jpa-postgres", tmp_path)
    resources = root / "src/main/resources"
    (resources / "application.properties").write_text("spring.application.name=orders\n")
    (resources / "application-test.yml").write_text(
        "spring:\n  jpa:\n    hibernate:\n      ddl-auto: create-drop\n"
    )
    (resources / "application-prod.yml").write_text(
        "spring:\n  jpa:\n    hibernate:\n      ddl-auto: update\n"
    )
    migration = outcomes(context_for(root))["database.migration_approach"]
    assert found(migration) == {("GK234", "src/main/resources/application-prod.yml", 4)}
