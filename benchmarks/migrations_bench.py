"""Wall time of the database phase on a long synthetic migration history.

    python benchmarks/migrations_bench.py [--django N] [--alembic N] [--repeat R] [--jobs J]

Writes, in a temporary directory, one Django service whose app has N migrations (600 by
default; each creates a model or adds fields, indexes and constraints, with a RunPython every
50th) and one FastAPI service whose Alembic history has N revisions in one chain (create_table,
add_column, create_index, foreign keys, op.execute SQL every 25th), then times
`gatekeeper.api.audit(root, Options(engines=False, phases=("database",)))` R times and prints
each wall time with the audit's own phase timings. The target for issue 7 is a 600-migration
history analyzed in under 10 s on 2 cores; this script measures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gatekeeper import api


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def django_history(root: Path, count: int) -> None:
    service = root / "services" / "shop"
    _write(service / "pyproject.toml", DJANGO_PYPROJECT)
    _write(service / "manage.py", "import django\n")
    _write(service / "shop" / "__init__.py", "")
    _write(service / "shop" / "migrations" / "__init__.py", "")
    models: list[str] = []
    previous: str | None = None
    for number in range(1, count + 1):
        name = f"{number:04d}_step"
        dependencies = f'[("shop", "{previous}")]' if previous else "[]"
        operations: list[str] = []
        if number == 1 or number % 10 == 1:
            model = f"Thing{number}"
            models.append(model)
            operations.append(
                "        migrations.CreateModel(\n"
                f'            name="{model}",\n'
                "            fields=[\n"
                '                ("id", models.BigAutoField(primary_key=True, serialize=False)),\n'
                '                ("name", models.CharField(max_length=120)),\n'
                '                ("slug", models.SlugField(unique=True)),\n'
                '                ("created", models.DateTimeField(auto_now_add=True)),\n'
                "            ],\n"
                "        ),"
            )
            if len(models) > 1:
                operations.append(
                    "        migrations.AddField(\n"
                    f'            model_name="{model.lower()}",\n'
                    '            name="parent",\n'
                    "            field=models.ForeignKey(on_delete=models.CASCADE, "
                    f'to="shop.{models[-2].lower()}", null=True),\n'
                    "        ),"
                )
        else:
            model = models[-1].lower()
            operations.append(
                "        migrations.AddField(\n"
                f'            model_name="{model}",\n'
                f'            name="field_{number}",\n'
                "            field=models.IntegerField(null=True, default=0),\n"
                "        ),"
            )
            if number % 7 == 0:
                operations.append(
                    "        migrations.AddIndex(\n"
                    f'            model_name="{model}",\n'
                    f'            index=models.Index(fields=["field_{number}"], '
                    f'name="ix_{number}"),\n'
                    "        ),"
                )
            if number % 50 == 0:
                operations.append(
                    "        migrations.RunPython(forwards, migrations.RunPython.noop),"
                )
        previous = name
        body = "\n".join(operations)
        _write(
            service / "shop" / "migrations" / f"{name}.py",
            "from django.db import migrations, models\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    pass\n\n\n"
            "class Migration(migrations.Migration):\n"
            f"    dependencies = {dependencies}\n\n"
            "    operations = [\n"
            f"{body}\n"
            "    ]\n",
        )


def alembic_history(root: Path, count: int) -> None:
    service = root / "services" / "api"
    _write(service / "pyproject.toml", FASTAPI_PYPROJECT)
    _write(service / "alembic.ini", "[alembic]\nscript_location = migrations\n")
    _write(service / "app" / "__init__.py", "")
    _write(
        service / "app" / "main.py",
        "from fastapi import FastAPI\nfrom pydantic import BaseModel\n\napp = FastAPI()\n",
    )
    tables: list[str] = []
    previous: str | None = None
    for number in range(1, count + 1):
        revision = f"r{number:05d}"
        down = f'"{previous}"' if previous else "None"
        upgrade: list[str] = []
        downgrade: list[str] = []
        if number == 1 or number % 12 == 1:
            table = f"table_{number}"
            tables.append(table)
            parent = (
                f'        sa.Column("parent_id", sa.BigInteger(), '
                f'sa.ForeignKey("{tables[-2]}.id"), nullable=True),\n'
                if len(tables) > 1
                else ""
            )
            upgrade.append(
                "    op.create_table(\n"
                f'        "{table}",\n'
                '        sa.Column("id", sa.BigInteger(), primary_key=True),\n'
                '        sa.Column("email", sa.String(320), nullable=False, unique=True),\n'
                f"{parent}"
                '        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now()),\n'
                "    )"
            )
            if len(tables) > 1:
                upgrade.append(
                    f'    op.create_index("ix_{table}_parent", "{table}", ["parent_id"])'
                )
            downgrade.append(f'    op.drop_table("{table}")')
        else:
            table = tables[-1]
            upgrade.append(
                f'    op.add_column("{table}", '
                f'sa.Column("c_{number}", sa.Integer(), nullable=True))'
            )
            downgrade.append(f'    op.drop_column("{table}", "c_{number}")')
            if number % 5 == 0:
                upgrade.append(
                    f'    op.create_index("ix_{table}_c_{number}", "{table}", ["c_{number}"], '
                    "postgresql_concurrently=True)"
                )
            if number % 25 == 0:  # SQL text the migration carries, parsed like any other SQL
                # gatekeeper: ignore[GK3608] text written into a generated migration, never run
                statement = f"UPDATE {table} SET c_{number} = 0 WHERE c_{number} IS NULL"  # noqa: S608
                upgrade.append(f'    op.execute("{statement}")')
        previous = revision
        _write(
            service / "migrations" / "versions" / f"{revision}_step.py",
            f'"""step {number}"""\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f'revision = "{revision}"\n'
            f"down_revision = {down}\n"
            "branch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade() -> None:\n" + "\n".join(upgrade) + "\n\n\n"
            "def downgrade() -> None:\n" + "\n".join(downgrade) + "\n",
        )


DJANGO_PYPROJECT = (
    '[project]\nname = "shop"\nversion = "1.0"\n'
    'dependencies = ["django>=5", "psycopg[binary]>=3", "djangorestframework>=3.15"]\n'
)
FASTAPI_PYPROJECT = (
    '[project]\nname = "api"\nversion = "1.0"\n'
    'dependencies = ["fastapi>=0.110", "sqlalchemy>=2", "alembic>=1.13", "psycopg[binary]>=3"]\n'
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--django", type=int, default=600, help="Django migrations (600)")
    parser.add_argument("--alembic", type=int, default=600, help="Alembic revisions (600)")
    parser.add_argument("--repeat", type=int, default=3, help="audits to time (3)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (all cores)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gatekeeper-migrations-bench-") as tmp:
        root = Path(tmp) / "repo"
        django_history(root, args.django)
        alembic_history(root, args.alembic)
        files = sum(1 for p in root.rglob("*.py"))
        print(
            f"{args.django} Django migrations + {args.alembic} Alembic revisions "
            f"({files} .py files), {os.cpu_count()} CPU(s), jobs={args.jobs or 'auto'}"
        )
        walls: list[float] = []
        for run in range(1, args.repeat + 1):
            options = api.Options(engines=False, phases=("database",), timings=True, jobs=args.jobs)
            start = time.perf_counter()
            audit = api.audit(root, options)
            wall = time.perf_counter() - start
            walls.append(wall)
            laps = ", ".join(
                f"{name} {seconds:.2f}s" for name, seconds in audit.report.timings or ()
            )
            phase = next(p for p in audit.report.phases if p.id == "database")
            statuses = ", ".join(f"{c.id.split('.')[1]}={c.status.value}" for c in phase.criteria)
            print(f"run {run}: {wall:.2f} s wall  [{laps}]")
            if run == 1:
                print(f"  {statuses}")
                documented = next(c for c in phase.criteria if c.id.endswith("documented"))
                for evidence in documented.evidence:
                    print(f"  {evidence.what}")
                counts: dict[str, int] = {}
                for finding in audit.report.findings:
                    counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
                print("  findings: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
        print(
            f"wall time: min {min(walls):.2f} s, median {statistics.median(walls):.2f} s, "
            f"max {max(walls):.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
