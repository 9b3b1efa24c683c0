"""Phase 2 schema sources added for issue 7: TypeORM migrations and entities, Knex migrations
(gatekeeper/migrations/jsmigrations.py) and DynamoDB tables declared as infrastructure code
with the access patterns of the code around them (gatekeeper/migrations/dynamodb.py), on the
db-typeorm, db-knex, serverless-dynamodb and db-dynamodb-terraform fixtures and on hand-built
repositories. Nothing in them is executed."""

from __future__ import annotations

import shutil
from pathlib import Path

from gatekeeper.migrations import dynamodb, jsmigrations
from gatekeeper.migrations.model import IndexOrigin, OpKind, SchemaModel, Tool
from gatekeeper.model import Status
from gatekeeper.phases import database as db
from tests.test_database_phase import (
    PASS_ALL,
    context_for,
    copy_fixture,
    found,
    outcomes,
    statuses,
    write,
)

TYPEORM_INIT = "src/migrations/1700000000000-Init.ts"
TYPEORM_STATUS = "src/migrations/1700000000001-AddPostStatus.ts"
KNEX_FIRST = "db/migrations/20240101000000_create_orgs_and_users.js"
KNEX_SECOND = "db/migrations/20240201000000_add_user_role.js"


def only_history(root: Path) -> tuple[Tool, str, SchemaModel]:
    facts = db.facts_of(context_for(root))
    assert len(facts.histories) == 1, [(h.key, h.tool) for h in facts.histories]
    history = facts.histories[0]
    return history.tool, history.dialect, history.schema


def columns(schema: SchemaModel, table: str) -> list[tuple[str, str, bool]]:
    found_table = schema.table(table)
    assert found_table is not None, [t.name for t in schema.tables]
    return [(c.name, c.type, c.nullable) for c in found_table.columns]


# ---------------------------------------------------------------------------- TypeORM


def test_typeorm_migrations_replay_sql_and_schema_builder_calls(tmp_path: Path) -> None:
    root = copy_fixture("db-typeorm", tmp_path)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.TYPEORM, "postgres")
    # Ordered by the timestamp in the class name; ids are the class names.
    assert [(m.path, m.id, m.version, m.reversible) for m in schema.migrations] == [
        (TYPEORM_INIT, "Init1700000000000", (1700000000000,), True),
        (TYPEORM_STATUS, "AddPostStatus1700000000001", (1700000000001,), True),
    ]
    # users comes from queryRunner.query(`CREATE TABLE ...`) through the SQL reader.
    assert columns(schema, "users") == [
        ("id", "serial", False),
        ("email", "varchar(255)", False),
        ("displayname", "varchar(255)", True),
    ]
    users = schema.table("users")
    assert users is not None
    assert [(i.name, i.columns, i.unique) for i in users.indexes] == [
        ("uq_users_email", ("email",), True)
    ]
    # posts from createTable(new Table({...})), then addColumn in the newest migration.
    assert columns(schema, "posts") == [
        ("id", "int", False),
        ("title", "varchar(200)", False),
        ("body", "text", False),
        ("author_id", "int", False),
        ("createdat", "timestamp", False),
        ("status", "varchar", False),
    ]
    posts = schema.table("posts")
    assert posts is not None
    assert posts.primary_key == ("id",)
    assert [
        (f.columns, f.ref_table, f.ref_columns, f.file, f.line) for f in posts.foreign_keys
    ] == [(("author_id",), "users", ("id",), TYPEORM_INIT, 27)]


def test_typeorm_fixture_fails_on_unindexed_foreign_key_and_unsafe_newest_migration(
    tmp_path: Path,
) -> None:
    results = outcomes(context_for(copy_fixture("db-typeorm", tmp_path)))
    assert statuses(results) == PASS_ALL | {
        "database.indexing_strategy": Status.FAIL,
        "database.migration_approach": Status.FAIL,
    }
    assert found(results["database.indexing_strategy"]) == {("GK211", TYPEORM_INIT, 27)}
    assert found(results["database.migration_approach"]) == {("GK227", TYPEORM_STATUS, 5)}
    # The entities beside the migrations are evidence, not a second schema.
    evidence = {(e.path, e.what) for e in results["database.schema_documented"].evidence}
    assert ("src/entity/Post.ts", "TypeORM entities beside the migrations") in evidence


def test_typeorm_entities_are_the_schema_without_migrations(tmp_path: Path) -> None:
    root = copy_fixture("db-typeorm", tmp_path)
    shutil.rmtree(root / "src" / "migrations")
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.TYPEORM_MODELS, "postgres")
    assert [t.name for t in schema.tables] == ["posts", "users"]
    assert columns(schema, "users") == [
        ("id", "integer", False),
        ("email", "varchar", False),  # TypeORM columns are NOT NULL unless nullable: true
        ("displayname", "varchar", True),
    ]
    assert columns(schema, "posts") == [
        ("id", "integer", False),
        ("title", "varchar(200)", False),
        ("body", "text", False),
        ("status", "varchar", False),
        ("createdat", "timestamp", False),
        ("author_id", "integer", False),  # @JoinColumn({name}), @ManyToOne nullable: false
    ]
    users = schema.table("users")
    posts = schema.table("posts")
    assert users is not None and posts is not None
    assert [(i.columns, i.unique, i.origin, i.line) for i in users.indexes] == [
        (("email",), True, IndexOrigin.IMPLIED, 10)
    ]
    assert [(f.columns, f.ref_table, f.ref_columns, f.line) for f in posts.foreign_keys] == [
        (("author_id",), "users", ("id",), 27)
    ]
    results = outcomes(context_for(root))
    assert found(results["database.indexing_strategy"]) == {("GK211", "src/entity/Post.ts", 27)}
    assert found(results["database.migration_approach"]) == {("GK236", "src/entity/Post.ts", None)}


def test_typeorm_entity_decorators() -> None:
    text = (
        'import { Entity, Column, PrimaryColumn, Index, Unique, ManyToOne } from "typeorm";\n'
        "@Entity()\n"
        '@Index(["tenantId", "createdAt"])\n'
        '@Unique("uq_slug", ["tenantId", "slug"])\n'
        "export class BlogPost {\n"
        '  @PrimaryColumn("uuid") id: string;\n'
        "  @Column() tenantId: number;\n"
        "  @Index() @Column() slug: string;\n"
        "  @Column({ type: 'varchar', nullable: true, default: 'draft' }) state?: string;\n"
        "  @ManyToOne(() => Author) author: Author;\n"
        "  @OneToOne(() => Cover) cover: Cover;\n"
        "  helper() { return 1; }\n"
        "}\n"
    )
    parsed = jsmigrations.typeorm_entities("src/BlogPost.ts", text, "typescript")
    assert parsed.problems == ()
    (model,) = parsed.models
    assert (model.name, model.table, model.line) == ("BlogPost", "blog_post", 5)
    assert [
        (f.column, f.type, f.nullable, f.primary_key, f.indexed, f.default) for f in model.fields
    ] == [
        ("id", "uuid", False, True, False, None),
        ("tenantId", "integer", False, False, False, None),
        ("slug", "varchar", False, False, True, None),
        ("state", "varchar", True, False, False, "'draft'"),
    ]
    # The owning ManyToOne holds authorId; a OneToOne without @JoinColumn is the inverse side.
    assert [(r.target, r.columns, r.nullable) for r in model.relations] == [
        ("Author", ("authorId",), True)
    ]
    assert [(i.name, i.columns, i.unique, i.line) for i in model.indexes] == [
        ("", ("tenantId", "createdAt"), False, 3),
        ("uq_slug", ("tenantId", "slug"), True, 4),
    ]


def test_typeorm_schema_builder_operations() -> None:
    text = (
        "export class Change1710000000000 {\n"
        "  async up(queryRunner) {\n"
        "    await queryRunner.renameColumn('users', 'name', 'full_name');\n"
        "    await queryRunner.changeColumn('users', 'age',\n"
        "      new TableColumn({name: 'age', type: 'bigint'}));\n"
        "    await queryRunner.createIndex('users', new TableIndex({columnNames: ['age']}));\n"
        "    await queryRunner.dropColumn('users', 'legacy');\n"
        "    await queryRunner.dropTable('audit');\n"
        "  }\n"
        "  async down(queryRunner) {}\n"
        "}\n"
    )
    migration = jsmigrations.typeorm_migration(
        "migrations/1710000000000-Change.js", text, "javascript"
    )
    assert [(o.kind, o.table, o.line, o.column) for o in migration.operations] == [
        (OpKind.RENAME_COLUMN, "users", 3, "name"),
        (OpKind.ALTER_COLUMN, "users", 4, "age"),
        (OpKind.CREATE_INDEX, "users", 6, None),
        (OpKind.DROP_COLUMN, "users", 7, "legacy"),
        (OpKind.DROP_TABLE, "audit", 8, None),
    ]
    assert migration.operations[1].type == "bigint"
    assert migration.operations[2].indexes[0].columns == ("age",)
    assert migration.reversible is False
    assert [(i.line, i.reason) for i in migration.irreversible] == [(10, "down() does nothing")]
    assert migration.version == (1710000000000,)


def test_migration_that_does_not_parse_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = copy_fixture("db-typeorm", tmp_path)
    broken = "src/migrations/1700000000002-Broken.ts"
    write(
        root,
        {
            broken: "export class Broken1700000000002 implements MigrationInterface {\n"
            "  public async up(queryRunner: QueryRunner): Promise<void> {\n"
            "    await queryRunner.query(`DROP TABLE x`);\n"
        },
    )
    results = outcomes(context_for(root))
    documented = results["database.schema_documented"]
    assert documented.status is Status.ERROR
    assert ("GK202", broken, 2) in found(documented)  # its up() method
    assert broken in documented.message
    # The other criteria cannot pass on a schema with an unread migration either.
    for cid in ("database.indexing_strategy", "database.migration_approach"):
        assert results[cid].status is Status.FAIL
        assert broken in results[cid].message


def test_knex_migration_without_up_is_an_error(tmp_path: Path) -> None:
    root = copy_fixture("db-knex", tmp_path)
    odd = "db/migrations/20240301000000_odd.js"
    write(root, {odd: "const knex = require('knex');\nmodule.exports = knex.schema;\n"})
    results = outcomes(context_for(root))
    assert results["database.schema_documented"].status is Status.ERROR
    assert ("GK202", odd, 1) in found(results["database.schema_documented"])
    assert results["database.migration_approach"].status is Status.ERROR


# ---------------------------------------------------------------------------- Knex


def test_knex_migrations_replay_from_the_knexfile_directory(tmp_path: Path) -> None:
    root = copy_fixture("db-knex", tmp_path)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.KNEX, "mysql")
    assert [(m.path, m.version, m.reversible) for m in schema.migrations] == [
        (KNEX_FIRST, (20240101000000,), True),
        (KNEX_SECOND, (20240201000000,), True),
    ]
    assert columns(schema, "orgs") == [
        ("id", "integer", False),
        ("name", "varchar(120)", False),
        ("slug", "varchar(80)", False),
    ]
    assert columns(schema, "users") == [
        ("id", "integer", False),
        ("email", "varchar(255)", False),
        ("org_id", "integer", False),
        ("full_name", "varchar(255)", True),
        ("created_at", "timestamp", False),
        ("updated_at", "timestamp", False),
        ("role", "varchar(20)", True),  # alterTable in the second migration
    ]
    users = schema.table("users")
    assert users is not None
    assert users.primary_key == ("id",)
    assert [(f.columns, f.ref_table, f.ref_columns, f.line) for f in users.foreign_keys] == [
        (("org_id",), "orgs", ("id",), 11)
    ]
    assert [(i.name, i.columns, i.unique, i.line) for i in users.indexes] == [
        ("", ("email",), True, 10),
        ("idx_users_org_name", ("org_id", "full_name"), False, 14),
    ]


def test_knex_fixture_passes_with_the_foreign_key_indexed_by_innodb(tmp_path: Path) -> None:
    results = outcomes(context_for(copy_fixture("db-knex", tmp_path)))
    assert statuses(results) == PASS_ALL
    indexing = results["database.indexing_strategy"]
    assert indexing.findings == ()
    assert any(
        e.path == KNEX_FIRST and e.line == 11 and "indexed by InnoDB" in e.what
        for e in indexing.evidence
    )


def test_knex_unsafe_alter_and_empty_down(tmp_path: Path) -> None:
    root = copy_fixture("db-knex", tmp_path)
    newest = "db/migrations/20240301000000_tighten.js"
    write(
        root,
        {
            newest: "exports.up = (knex) =>\n"
            "  knex.schema.table('users', function (t) {\n"
            "    t.string('locale', 8).notNullable();\n"
            "    t.renameColumn('full_name', 'name');\n"
            "  });\n"
            "exports.down = () => {};\n"
        },
    )
    results = outcomes(context_for(root))
    assert found(results["database.migration_approach"]) == {
        ("GK227", newest, 3),
        ("GK231", newest, 4),
        ("GK226", newest, 6),
    }


# ---------------------------------------------------------------------------- DynamoDB


def test_serverless_table_and_its_index_pass_every_criterion(tmp_path: Path) -> None:
    root = copy_fixture("serverless-dynamodb", tmp_path)
    tool, dialect, schema = only_history(root)
    assert (tool, dialect) == (Tool.DYNAMODB, "dynamodb")
    (table,) = schema.tables
    assert (table.name, table.file, table.line, table.primary_key) == (
        "TodosTable",
        "serverless.yml",
        24,
        ("id",),
    )
    assert [(c.name, c.type, c.nullable) for c in table.columns] == [
        ("id", "string", False),
        ("owner", "string", True),
    ]
    assert [(i.name, i.columns, i.origin, i.line) for i in table.indexes] == [
        ("byOwner", ("owner",), IndexOrigin.INDEX, 37)
    ]
    results = outcomes(context_for(root))
    assert statuses(results) == PASS_ALL
    assert ("handler.py", 19) in {
        (e.path, e.line) for e in results["database.indexing_strategy"].evidence
    }


def test_terraform_table_with_a_query_on_a_missing_index_and_a_scan_fails(tmp_path: Path) -> None:
    root = copy_fixture("db-dynamodb-terraform", tmp_path)
    _, _, schema = only_history(root)
    (table,) = schema.tables
    assert (table.name, table.file, table.line, table.primary_key) == (
        "orders",
        "infra/main.tf",
        6,
        ("pk", "sk"),
    )
    assert [(c.name, c.nullable) for c in table.columns] == [
        ("pk", False),
        ("sk", False),
        ("status", True),
    ]
    assert [(i.name, i.columns, i.line) for i in table.indexes] == [
        ("byStatus", ("status", "sk"), 22)
    ]
    results = outcomes(context_for(root))
    assert statuses(results) == PASS_ALL | {"database.indexing_strategy": Status.FAIL}
    # byStatus exists; byCustomer does not; the scan in scripts/ is an offline job.
    assert found(results["database.indexing_strategy"]) == {
        ("GK214", "src/app.js", 34),
        ("GK215", "src/app.js", 43),
    }


def test_dynamodb_without_any_declared_table_fails(tmp_path: Path) -> None:
    root = copy_fixture("serverless-dynamodb", tmp_path)
    (root / "serverless.yml").write_text("service: todo-api\nprovider:\n  name: aws\n")
    results = outcomes(context_for(root))
    assert found(results["database.schema_documented"]) == {("GK201", "handler.py", 6)}
    assert found(results["database.migration_approach"]) == {("GK237", "handler.py", 6)}
    assert results["database.indexing_strategy"].status is Status.ERROR


def test_cloudformation_json_and_yaml_tags_and_a_table_without_key_schema(tmp_path: Path) -> None:
    template = (
        '{\n  "Resources": {\n    "Users": {\n      "Type": "AWS::DynamoDB::Table",\n'
        '      "Properties": {\n        "TableName": "users",\n'
        '        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},\n'
        '                      {"AttributeName": "sk", "KeyType": "RANGE"}],\n'
        '        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},\n'
        '          {"AttributeName": "sk", "AttributeType": "N"}],\n'
        '        "LocalSecondaryIndexes": [{"IndexName": "bySk2", "KeySchema": [\n'
        '          {"AttributeName": "pk", "KeyType": "HASH"},\n'
        '          {"AttributeName": "sk2", "KeyType": "RANGE"}]}]\n'
        "      }\n    }\n  }\n}\n"
    )
    parsed = dynamodb.read_template("cfn/template.json", template)
    assert parsed.problems == ()
    (table,) = parsed.tables
    assert (table.name, table.line, table.hash_key, table.range_key) == ("users", 3, "pk", "sk")
    assert [(i.name, i.hash_key, i.range_key, i.local) for i in table.indexes] == [
        ("bySk2", "pk", "sk2", True)
    ]
    yaml_text = (
        "Resources:\n  Events:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
        "      TableName: !Sub '${AWS::StackName}-events'\n"
        "      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n"
        "      StreamSpecification: !If [IsProd, {StreamViewType: NEW_IMAGE}, !Ref AWS::NoValue]\n"
        "  Broken:\n    Type: AWS::DynamoDB::Table\n"
        "    Properties:\n      BillingMode: PAY_PER_REQUEST\n"
    )
    parsed = dynamodb.read_template("template.yaml", yaml_text)
    assert [(t.name, t.hash_key) for t in parsed.tables] == [("Events", "id")]
    assert parsed.problems == ("line 10: Broken (AWS::DynamoDB::Table) has no KeySchema",)
    root = write(
        tmp_path / "sam",
        {
            "requirements.txt": "boto3==1.34.84\n",
            "app.py": "import boto3\ntable = boto3.resource('dynamodb').Table('events')\n",
            "template.yaml": yaml_text,
        },
    )
    results = outcomes(context_for(root))
    assert results["database.schema_documented"].status is Status.ERROR
    assert ("GK202", "template.yaml", 1) in found(results["database.schema_documented"])


def test_cdk_tables_in_typescript_and_python() -> None:
    ts = (
        "import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';\n"
        "export class Stack {\n  constructor() {\n"
        "    const table = new dynamodb.Table(this, 'Orders', {\n"
        "      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },\n"
        "      sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },\n"
        "    });\n"
        "    table.addGlobalSecondaryIndex({ indexName: 'byEmail',\n"
        "      partitionKey: { name: 'email', type: dynamodb.AttributeType.STRING } });\n"
        "  }\n}\n"
    )
    (table,) = dynamodb.read_cdk("infra/stack.ts", ts, "typescript").tables
    assert (table.name, table.line, table.hash_key, table.range_key) == ("Orders", 4, "pk", "sk")
    assert table.attributes == (("pk", "string"), ("sk", "number"), ("email", ""))
    assert [(i.name, i.hash_key, i.line) for i in table.indexes] == [("byEmail", "email", 8)]
    py = (
        "from aws_cdk import aws_dynamodb as dynamodb\n"
        "class Stack:\n    def __init__(self):\n"
        "        self.table = dynamodb.Table(self, 'Users', table_name='users',\n"
        "            partition_key=dynamodb.Attribute(name='id', type=T.STRING))\n"
        "        self.table.add_global_secondary_index(index_name='byOrg',\n"
        "            partition_key=dynamodb.Attribute(name='org', type=T.STRING))\n"
    )
    (table,) = dynamodb.read_cdk("infra/stack.py", py, "python").tables
    assert (table.name, table.line, table.hash_key) == ("users", 4, "id")
    assert [(i.name, i.hash_key, i.line) for i in table.indexes] == [("byOrg", "org", 6)]


def test_terraform_reader_skips_expressions_and_reports_unclosed_blocks() -> None:
    text = (
        'resource "aws_dynamodb_table" "t" {\n'
        '  name = "${var.stage}-t"\n'
        '  hash_key = "id"\n'
        '  attribute { name = "id" type = "S" }\n'
        '  dynamic "global_secondary_index" {\n    for_each = var.gsis\n  }\n'
        '  ttl { attribute_name = "exp" enabled = true }\n'
        "}\n"
    )
    (table,) = dynamodb.read_terraform("main.tf", text).tables
    assert (table.name, table.hash_key, table.attributes, table.indexes) == (
        "t",
        "id",
        (("id", "S"),),
        (),
    )
    broken = dynamodb.read_terraform(
        "main.tf", 'resource "aws_dynamodb_table" "t" {\n  hash_key = "id"\n'
    )
    assert broken.problems == ("line 1: block `resource` is never closed",)


def test_access_patterns_in_python_and_javascript() -> None:
    py = (
        "import boto3\n"
        "def handler(e, c):\n"
        "    # table.scan() in a comment is not a scan\n"
        "    t.query(IndexName='byOwner', KeyConditionExpression=k)\n"
        "    client.query(TableName='t', **{'IndexName': 'gsi1'})\n"
        "    return t.scan(Limit=10)\n"
    )
    assert dynamodb.accesses("h.py", py, "python") == [
        dynamodb.Access("h.py", 4, "query", "byOwner"),
        dynamodb.Access("h.py", 5, "query", "gsi1"),
        dynamodb.Access("h.py", 6, "scan"),
    ]
    js = "await docClient.query({ TableName: 't', IndexName: `byDate` }).promise();\n"
    assert dynamodb.accesses("a.js", js, "javascript") == [
        dynamodb.Access("a.js", 1, "query", "byDate")
    ]
    assert dynamodb.serves_requests("src/handlers/list.py")
    assert not dynamodb.serves_requests("scripts/backfill.py")
    assert not dynamodb.serves_requests("src/seed_tables.js")


def test_new_rule_ids_are_unique() -> None:
    ids = [r.id for r in db.RULES]
    assert len(ids) == len(set(ids))
    assert {"GK214", "GK215", "GK237"} <= set(ids)


def test_typeorm_synchronize_changes_the_schema_at_startup(tmp_path: Path) -> None:
    root = copy_fixture("db-typeorm", tmp_path)
    source = root / "src" / "data-source.ts"
    source.write_text(source.read_text().replace("synchronize: false", "synchronize: true"))
    results = outcomes(context_for(root))
    # Beside the migrations: low, reported; the fixture's own findings still fail it.
    assert found(results["database.migration_approach"]) == {
        ("GK227", TYPEORM_STATUS, 5),
        ("GK235", "src/data-source.ts", 11),
    }
    shutil.rmtree(root / "src" / "migrations")
    results = outcomes(context_for(root))
    assert found(results["database.migration_approach"]) == {("GK234", "src/data-source.ts", 11)}
