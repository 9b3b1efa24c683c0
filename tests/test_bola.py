"""Object-level authorization (GK313) for Express, Gin and Spring routes: the handler looks an
object up by a path id and never mentions the caller; real audits of the bola-* fixtures, and
the attachment of the object rules' facts to routes on hand-built matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeeper import api
from gatekeeper.routes import objectlookups
from gatekeeper.routes.model import Route
from tests.test_routes_semgrep import copy_fixture, m


def object_findings(root: Path) -> set[tuple[str, int, str]]:
    report = api.audit(root, api.Options(phases=("api_design", "security"))).report
    return {
        (f.location.path, f.location.line, str(f.severity))
        for f in report.findings
        if f.rule_id == "GK313"
    }


@pytest.mark.engines
def test_express_handlers_that_never_compare_the_owner(tmp_path: Path) -> None:
    root = copy_fixture("bola-express", tmp_path)
    # read by id (low), delete by id, inline archive (medium); the update compares the owner
    # with req.user, the inline unpin filters by it, and a POST creates rather than reaches
    assert object_findings(root) == {
        ("src/app.js", 9, "low"),
        ("src/app.js", 10, "medium"),
        ("src/app.js", 16, "medium"),
    }


@pytest.mark.engines
def test_gin_handlers_that_never_compare_the_owner(tmp_path: Path) -> None:
    root = copy_fixture("bola-gin", tmp_path)
    assert object_findings(root) == {
        ("notes/handlers.go", 11, "low"),
        ("notes/handlers.go", 12, "medium"),
    }


@pytest.mark.engines
def test_gin_handler_that_checks_the_caller_passes(tmp_path: Path) -> None:
    root = copy_fixture("bola-gin", tmp_path)
    handlers = root / "notes/handlers.go"
    handlers.write_text(
        handlers.read_text().replace(
            "\tc.JSON(http.StatusOK, note)\n}\n\nfunc NoteDelete",
            '\tif note.OwnerID != c.MustGet("user_id").(uint) {\n'
            "\t\tc.AbortWithStatus(http.StatusNotFound)\n\t\treturn\n\t}\n"
            "\tc.JSON(http.StatusOK, note)\n}\n\nfunc NoteDelete",
        )
    )
    assert object_findings(root) == {("notes/handlers.go", 12, "medium")}


@pytest.mark.engines
def test_spring_endpoints_that_never_compare_the_owner(tmp_path: Path) -> None:
    root = copy_fixture("bola-spring", tmp_path)
    path = "src/main/java/com/acme/notes/NoteController.java"
    assert object_findings(root) == {(path, 24, "low"), (path, 29, "medium")}


@pytest.mark.engines
def test_spring_preauthorize_counts_as_a_check(tmp_path: Path) -> None:
    root = copy_fixture("bola-spring", tmp_path)
    controller = root / "src/main/java/com/acme/notes/NoteController.java"
    controller.write_text(
        controller.read_text().replace(
            '    @DeleteMapping("/{id}")\n',
            '    @DeleteMapping("/{id}")\n'
            "    @PreAuthorize(\"hasPermission(#noteId, 'Note', 'delete')\")\n",
        )
    )
    path = "src/main/java/com/acme/notes/NoteController.java"
    assert object_findings(root) == {(path, 24, "low")}


# ---------------------------------------------------------------------------- attachment

JS = objectlookups.JS_OBJECT
GO = objectlookups.GO_OBJECT
JAVA = objectlookups.JAVA_OBJECT


def route(file: str, line: int, method: str, path: str, handler: str, framework: str) -> Route:
    return Route(file, line, method, path, handler, framework)


def facts(routes: list[Route], *matches: object) -> list[tuple[str, tuple[str, ...], bool]]:
    attached = objectlookups.attach(routes, matches, lambda path: "svc")  # type: ignore[arg-type]
    return [(r.handler, r.object_lookups, r.owner_checked) for r in attached]


def test_named_js_handler_gets_its_lookup_and_caller_check() -> None:
    routes = [
        route("app.js", 3, "GET", "/n/{id}", "notes.show", "express"),
        route("app.js", 4, "PUT", "/n/{id}", "notes.update", "express"),
    ]
    assert facts(
        routes,
        m(JS, "notes.js", 2, FUNC="show", LOOKUP="Note.findById"),
        m(JS, "notes.js", 6, FUNC="module.exports.update", LOOKUP="Note\n  .findById"),
        m(JS, "notes.js", 7, FUNC="update", CALLER="user"),
    ) == [
        ("notes.show", ("Note.findById",), False),
        ("notes.update", ("Note.findById",), True),
    ]


def test_a_name_defined_twice_is_left_alone() -> None:
    routes = [route("app.js", 3, "GET", "/n/{id}", "notes.show", "express")]
    assert facts(
        routes,
        m(JS, "a/notes.js", 2, FUNC="show", LOOKUP="Note.findById"),
        m(JS, "b/notes.js", 2, FUNC="show", LOOKUP="Todo.findById"),
    ) == [("notes.show", (), False)]
    # two classes with a method of that name in one file
    nest = [route("c.ts", 3, "GET", "/n/{id}", "A.show", "nestjs")]
    assert facts(
        nest,
        m(JS, "c.ts", 5, FUNC="show", CLASS="A", LOOKUP="this.a.findOne"),
        m(JS, "c.ts", 9, FUNC="show", CLASS="B", LOOKUP="this.b.findOne"),
    ) == [("A.show", (), False)]


def test_class_qualified_handlers_match_on_class_and_method() -> None:
    routes = [
        route("N.java", 10, "DELETE", "/n/{id}", "NoteController.delete", "spring"),
        route("T.java", 10, "DELETE", "/t/{id}", "TagController.delete", "spring"),
    ]
    assert facts(
        routes,
        m(JAVA, "N.java", 12, FUNC="delete", CLASS="NoteController", LOOKUP="notes.deleteById"),
        m(JAVA, "T.java", 11, FUNC="delete", CLASS="TagController", CALLER="PreAuthorize"),
        m(JAVA, "T.java", 12, FUNC="delete", CLASS="TagController", LOOKUP="tags.deleteById"),
    ) == [
        ("NoteController.delete", ("notes.deleteById",), False),
        ("TagController.delete", ("tags.deleteById",), True),
    ]


def test_go_handler_is_taken_from_its_package() -> None:
    routes = [route("main.go", 5, "DELETE", "/a/{id}", "articles.Delete", "gin")]
    assert facts(
        routes,
        m(GO, "articles/h.go", 9, FUNC="Delete", LOOKUP="DeleteArticle"),
        m(GO, "comments/h.go", 9, FUNC="Delete", LOOKUP="DeleteComment", CALLER='"user"'),
    ) == [("articles.Delete", ("DeleteArticle",), False)]


def test_inline_handler_is_the_one_its_registration_holds() -> None:
    routes = [
        route("app.js", 3, "DELETE", "/api/n/{id}", "(anonymous)", "express"),
        route("app.js", 7, "DELETE", "/api/t/{id}", "(anonymous)", "express"),
        route("app.js", 11, "GET", "/api/n/{id}", "(anonymous)", "express"),
    ]
    assert facts(
        routes,
        m(JS, "app.js", 4, VERB="delete", PATH="'/n/:id'", LOOKUP="Note.deleteOne"),
        m(JS, "app.js", 8, VERB="delete", PATH="'/t/:id'", LOOKUP="Tag.deleteOne"),
        m(JS, "app.js", 8, VERB="delete", PATH="'/t/:id'", CALLER="user"),
    ) == [
        ("(anonymous)", ("Note.deleteOne",), False),
        ("(anonymous)", ("Tag.deleteOne",), True),
        ("(anonymous)", (), False),
    ]


def test_matches_in_test_files_are_ignored() -> None:
    routes = [route("app.js", 3, "GET", "/n/{id}", "notes.show", "express")]
    assert facts(routes, m(JS, "test/notes.test.js", 2, FUNC="show", LOOKUP="Note.findById")) == [
        ("notes.show", (), False)
    ]


def test_a_profile_read_by_its_handle_is_not_an_object_lookup() -> None:
    routes = [
        route("u.go", 5, "GET", "/profiles/{username}", "users.ProfileRetrieve", "gin"),
        route("u.go", 6, "DELETE", "/profiles/{username}", "users.ProfileDelete", "gin"),
        route("a.go", 7, "GET", "/allocations/{userId}", "alloc.Show", "gin"),
    ]
    assert facts(
        routes,
        m(GO, "users/h.go", 9, FUNC="ProfileRetrieve", LOOKUP="FindOneUser"),
        m(GO, "users/h.go", 19, FUNC="ProfileDelete", LOOKUP="DeleteUser"),
        m(GO, "alloc/h.go", 9, FUNC="Show", LOOKUP="dao.getByUserIdAndThreshold"),
    ) == [
        ("users.ProfileRetrieve", (), False),
        ("users.ProfileDelete", ("DeleteUser",), False),
        ("alloc.Show", ("dao.getByUserIdAndThreshold",), False),
    ]
