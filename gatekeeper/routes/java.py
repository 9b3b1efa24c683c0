"""Spring MVC and JAX-RS routes from semgrep's inventory matches: @RestController/@Controller
classes, their class-level @RequestMapping prefix joined with each handler method's mapping;
JAX-RS @Path resources under the @ApplicationPath, their @GET/@POST/... methods and
sub-resource locators; @RequestParam/@QueryParam names and Pageable parameters, return types;
@ControllerAdvice, @ExceptionHandler and ExceptionMapper providers as error handlers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gatekeeper.engines.semgrep import InventoryMatch
from gatekeeper.routes import javafunctional
from gatekeeper.routes.model import (
    ANY_METHOD,
    HTTP_METHODS,
    AppHook,
    Mount,
    Route,
    join_paths,
    normalize_path,
)
from gatekeeper.routes.sgtext import (
    EngineRoutes,
    by_rule,
    first_line_with,
    joined_string,
    split_args,
    string_literal,
)
from gatekeeper.stack import is_test_path

FRAMEWORK = "spring"
JAXRS = "jax-rs"
RULE_PREFIX = "gk-routes-java-"
CONTROLLER = "gk-routes-java-controller"
MAPPING = "gk-routes-java-mapping"
CONST = "gk-routes-java-const"
SECURITY = "gk-routes-java-security"
# Spring Security authorization rules become hooks of this kind, named "KIND METHOD PATTERN...",
# one per rule, at the line where the rule ends; Spring applies the first that fits.
SECURITY_RULE = "security_rule"
_HTTP_METHOD = re.compile(r"^(?:HttpMethod\.)?([A-Z]{3,7})$")
FUNCTIONAL = javafunctional.FUNCTIONAL  # RouterFunction and RouteLocator methods, read there
GATEWAY = javafunctional.GATEWAY
MAX_ROUTES = 20_000

_MAPPINGS = {
    "GetMapping": "GET",
    "PostMapping": "POST",
    "PutMapping": "PUT",
    "PatchMapping": "PATCH",
    "DeleteMapping": "DELETE",
    "RequestMapping": "",
}
_CONTROLLERS = frozenset({"RestController", "Controller"})
_ADVICE = frozenset({"ControllerAdvice", "RestControllerAdvice"})
_CHECKS = frozenset({"PreAuthorize", "Secured", "RolesAllowed"})
_JAXRS_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_QUARKUS_PATH = re.compile(
    r"^\s{0,20}(quarkus\.http\.root-path|quarkus\.resteasy\.path|quarkus\.rest\.path"
    r"|quarkus\.resteasy-reactive\.path)\s{0,20}[=:]\s{0,20}(/[^\s#]{0,300})\s{0,20}$"
)
_QUERY_PARAM = re.compile(r"@QueryParam\s{0,20}\(\s{0,20}\"([^\"\n]{1,200})\"")
_PAGEABLE = ("page", "size", "sort")
_VERB = re.compile(r"\b(" + "|".join(HTTP_METHODS) + r")\b")
_ATTRIBUTE = re.compile(r"([A-Za-z_]\w{0,60})\s{0,20}=\s{0,20}([\s\S]{0,2000})")
_PARAM_NAME = re.compile(r"([A-Za-z_]\w{0,100})\s{0,20}$")
_REQUEST_PARAM = re.compile(r"@RequestParam\b\s{0,20}(?:\((?P<args>[^()]{0,400})\))?")
_GENERIC = re.compile(r"([A-Za-z_][\w.]{0,200})\s{0,20}<([\s\S]{0,400})>\s{0,20}$")
_LISTS = frozenset(
    {"List", "Set", "Collection", "Iterable", "Page", "Slice", "Flux", "Stream", "ArrayList"}
)
_WRAPPERS = frozenset(
    {"ResponseEntity", "Mono", "Optional", "CompletableFuture", "Callable", "DeferredResult"}
)
_UNTYPED = frozenset({"?", "Object", "void", "Void", "String", "ResponseEntity", "Map", "JsonNode"})


@dataclass(slots=True)
class _Class:
    name: str
    file: str
    line: int
    end_line: int
    annotations: dict[str, str] = field(default_factory=dict)  # name -> arguments as written


@dataclass(slots=True)
class _Method:
    cls: str
    name: str
    file: str
    line: int
    end_line: int
    returns: str
    params: str
    annotations: dict[str, str] = field(default_factory=dict)


def resolve(
    matches: Iterable[InventoryMatch],
    lines_of: Callable[[str], Sequence[str] | None] = lambda _path: None,
) -> EngineRoutes:
    """Spring routes and hooks from the Java inventory matches (test files left out);
    `lines_of` reads a file's lines, to point each route at its mapping annotation."""
    rules = by_rule(matches, RULE_PREFIX)
    annotated = _Resolver(rules, lines_of).run()
    functional = javafunctional.resolve(rules, _constants(rules), lines_of)
    return EngineRoutes(
        tuple(sorted({*annotated.routes, *functional.routes})),
        tuple(sorted({*annotated.hooks, *_security_rules(rules.get(SECURITY, ()))})),
        tuple(sorted({*annotated.problems, *functional.problems})),
    )


def _security_rules(matches: Iterable[InventoryMatch]) -> list[AppHook]:
    """`.requestMatchers(HttpMethod.GET, "/a/**").permitAll()` as a hook named
    "permitAll GET /a/**", `.anyRequest().authenticated()` as "authenticated ANY /**"; a matcher
    gatekeeper cannot read (a regex, a variable) is left out, so the default applies."""
    hooks: list[AppHook] = []
    for match in matches:
        if is_test_path(match.path):
            continue
        matcher, kind = match.get("MATCHER") or "", match.get("KIND") or ""
        if matcher in ("anyRequest", "anyExchange"):
            hooks.append(
                AppHook(match.path, match.end_line, SECURITY_RULE, f"{kind} ANY /**", FRAMEWORK)
            )
            continue
        if matcher == "regexMatchers":
            continue
        method = "ANY"
        patterns: list[str] = []
        for part in split_args(match.get("ARGS") or ""):
            part = part.strip()
            verb = _HTTP_METHOD.match(part)
            if verb and not patterns and method == "ANY":
                method = verb.group(1)
                continue
            if len(part) >= 2 and part[0] == part[-1] == '"' and part[1:2] == "/":
                patterns.append(part[1:-1])
            else:
                patterns = []  # a pattern from a variable: the rule's reach is unknown
                break
        else:
            if not patterns and method != "ANY":
                patterns = ["/**"]  # antMatchers(HttpMethod.OPTIONS): every path
            if patterns:
                name = f"{kind} {method} {' '.join(patterns)}"
                hooks.append(AppHook(match.path, match.end_line, SECURITY_RULE, name, FRAMEWORK))
    return hooks


def _constants(rules: Mapping[str, list[InventoryMatch]]) -> dict[str, str]:
    """Path constants by name, those with one value only."""
    values: dict[str, set[str]] = defaultdict(set)
    for match in rules.get(CONST, ()):
        name, value = match.get("NAME"), match.get("VALUE")
        if name is not None and value is not None:
            values[name].add(value)
    return {name: next(iter(found)) for name, found in values.items() if len(found) == 1}


def _attributes(text: str) -> dict[str, str]:
    """An annotation's arguments: `("/x")` as value, `(path = "/x", method = GET)` by name."""
    out: dict[str, str] = {}
    for part in split_args(text):
        named = _ATTRIBUTE.fullmatch(part)
        if named and not part.lstrip().startswith(('"', "{")):
            out[named.group(1)] = named.group(2).strip()
        else:
            out.setdefault("value", part.strip())
    return out


class _Resolver:
    def __init__(
        self,
        rules: Mapping[str, list[InventoryMatch]],
        lines_of: Callable[[str], Sequence[str] | None],
    ) -> None:

        self.lines_of = lines_of
        self.constants: dict[str, set[str]] = defaultdict(set)
        self.classes: dict[tuple[str, str], _Class] = {}
        self.methods: dict[tuple[str, str, str, int], _Method] = {}
        self.candidates: dict[tuple[str, int, str], set[str]] = defaultdict(set)
        self.routes: set[Route] = set()
        self.hooks: set[AppHook] = set()
        self.problems: set[tuple[str, int, str]] = set()
        for match in rules.get(CONST, ()):
            name, value = match.get("NAME"), match.get("VALUE")
            if name is not None and value is not None:
                self.constants[name].add(value)
        for match in rules.get(CONTROLLER, ()):
            name = match.get("CLASS")
            if name is None or is_test_path(match.path):
                continue
            cls = self.classes.setdefault(
                (match.path, name), _Class(name, match.path, match.line, match.end_line)
            )
            cls.annotations[match.get("ANNOTATION") or ""] = match.get("ARGS") or ""
        for match in rules.get(MAPPING, ()):
            cls_name, name = match.get("CLASS"), match.get("METHOD")
            if cls_name is None or name is None or is_test_path(match.path):
                continue
            key = (match.path, cls_name, name, match.line)
            method = self.methods.setdefault(
                key,
                _Method(
                    cls_name,
                    name,
                    match.path,
                    match.line,
                    match.end_line,
                    match.get("RETURNS") or "",
                    match.get("PARAMS") or "",
                ),
            )
            method.annotations[match.get("ANNOTATION") or ""] = match.get("ARGS") or ""
            self.candidates[(match.path, match.line, name)].add(cls_name)

    def run(self) -> EngineRoutes:
        for advice in self.classes.values():
            if _ADVICE & advice.annotations.keys():
                kind = min(_ADVICE & advice.annotations.keys())
                name = f"@{kind} {advice.name}"
                self.hooks.add(AppHook(advice.file, advice.line, "error_handler", name, FRAMEWORK))
        for key in sorted(self.methods):
            method = self.methods[key]
            if "ExceptionHandler" in method.annotations:
                # In an advice, a controller, or a base class controllers extend: all handle
                # errors the way the service answers them.
                handled = method.annotations["ExceptionHandler"].strip("{} ")
                handled = (
                    ", ".join(part.removesuffix(".class") for part in split_args(handled))
                    or f"{method.cls}.{method.name}"
                )
                line = self._line(method, "@ExceptionHandler")
                self.hooks.add(AppHook(method.file, line, "error_handler", handled, FRAMEWORK))
            cls = self._owner(method)
            if cls is not None and cls.annotations.keys() & _CONTROLLERS:
                self._routes(cls, method)
            elif cls is not None and "Path" in cls.annotations:
                self._resource(cls, method)
        for cls in self.classes.values():
            lines = self.lines_of(cls.file)
            at = first_line_with(lines, cls.line, cls.end_line, "ExceptionMapper", anywhere=True)
            if "Provider" in cls.annotations and lines is not None and at != cls.line:
                name = f"ExceptionMapper {cls.name}"
                self.hooks.add(AppHook(cls.file, at, "error_handler", name, JAXRS))
        return EngineRoutes(
            tuple(sorted(self.routes)), tuple(sorted(self.hooks)), tuple(sorted(self.problems))
        )

    def _application_path(self, file: str) -> tuple[str, tuple[Mount, ...]]:
        """The JAX-RS application's path: its @ApplicationPath when there is exactly one, else
        the one Quarkus reads from the module's application.properties."""
        found = sorted(
            (c.file, c.line, string_literal(c.annotations["ApplicationPath"].strip()) or "")
            for c in self.classes.values()
            if "ApplicationPath" in c.annotations
        )
        values = {value for _, _, value in found}
        if not found:
            return self._quarkus_path(file)
        if len(values) != 1 or not next(iter(values)).strip("/"):
            return "", ()
        where, line, value = found[0]
        return value, (Mount(where, line, normalize_path(value, "openapi"), "@ApplicationPath"),)

    def _quarkus_path(self, file: str) -> tuple[str, tuple[Mount, ...]]:
        """`quarkus.http.root-path` and `quarkus.resteasy.path` (or its newer names) of the
        module a resource is in."""
        module, marker, _ = file.partition("src/main/java/")
        if not marker:
            return "", ()
        props = module + "src/main/resources/application.properties"
        lines = self.lines_of(props) or ()
        mounts: list[Mount] = []
        parts: dict[str, str] = {}
        for number, line in enumerate(lines[:5000], 1):
            found = _QUARKUS_PATH.match(line)
            if found and found.group(1) not in parts:
                value = found.group(2).strip()
                parts[found.group(1)] = value
                if value.strip("/"):
                    mounts.append(
                        Mount(props, number, normalize_path(value, "openapi"), found.group(1))
                    )
        root = parts.get("quarkus.http.root-path", "")
        rest = next((v for k, v in parts.items() if k != "quarkus.http.root-path"), "")
        if not (root.strip("/") or rest.strip("/")):
            return "", ()
        mounts.sort(key=lambda m: m.how != "quarkus.http.root-path")
        return join_paths(root, rest), tuple(mounts)

    def _resource(
        self,
        cls: _Class,
        method: _Method,
        base: tuple[str, tuple[Mount, ...]] | None = None,
        depth: int = 0,
    ) -> None:
        """A JAX-RS resource method as a route, or a sub-resource locator's methods under it."""
        where = (method.file, method.line)
        if base is None:
            app, app_mounts = self._application_path(cls.file)
            own = self._paths(_attributes(cls.annotations["Path"]).get("value", ""), where)
            if own is None:
                return
            mount = Mount(cls.file, cls.line, normalize_path(own[0], "openapi"), "@Path")
            base = (join_paths(app, own[0]), (*app_mounts, mount))
        prefix, mounts = base
        verbs = sorted(_JAXRS_VERBS & method.annotations.keys())
        sub = self._paths(_attributes(method.annotations.get("Path", "")).get("value", ""), where)
        if sub is None:
            return
        path = sub[0]
        if not verbs:
            # A sub-resource locator: the class it returns serves the rest of the path.
            target = method.returns.strip().rsplit(".", 1)[-1]
            if "Path" not in method.annotations or depth >= 4:
                return
            line = self._line(method, "@Path")
            deeper = (
                join_paths(prefix, path),
                (*mounts, Mount(method.file, line, normalize_path(path, "openapi"), "@Path")),
            )
            for key in sorted(self.methods):
                other = self.methods[key]
                if other.cls == target and other is not method:
                    self._resource(cls, other, deeper, depth + 1)
            return
        line = self._line(method, "@" + verbs[0])
        model, is_list = _response(method.returns)
        roles = [a for a in (*cls.annotations, *method.annotations) if a in _CHECKS]
        for verb in verbs:
            if len(self.routes) >= MAX_ROUTES:
                return
            self.routes.add(
                Route(
                    file=method.file,
                    line=line,
                    method=verb,
                    url_path=normalize_path(join_paths(prefix, path), "openapi"),
                    handler=f"{method.cls}.{method.name}",
                    framework=JAXRS,
                    mounts=mounts,
                    response_model=model,
                    response_is_list=is_list,
                    query_params=_query_params(method.params),
                    decorators=tuple(a for a in method.annotations if a == "PermitAll"),
                    dependencies=tuple(dict.fromkeys(roles)),
                    raw_path=path,
                )
            )

    def _owner(self, method: _Method) -> _Class | None:
        """The class a method is declared in. semgrep binds every enclosing class; a method of
        a nested class no annotation describes is in none we know."""
        names = self.candidates[(method.file, method.line, method.name)]
        if method.cls not in names:
            return None
        known = [self.classes.get((method.file, name)) for name in sorted(names)]
        if any(cls is None for cls in known):
            return None if len(names) > 1 else self.classes.get((method.file, method.cls))
        innermost = min(
            (cls for cls in known if cls is not None), key=lambda c: c.end_line - c.line
        )
        return innermost if innermost.name == method.cls else None

    def _line(self, method: _Method, needle: str) -> int:
        return first_line_with(self.lines_of(method.file), method.line, method.end_line, needle)

    def _paths(self, text: str, where: tuple[str, int]) -> list[str] | None:
        """The paths of a mapping's `value`/`path`: one literal, an array, or constants."""
        text = text.strip()
        if not text:
            return [""]
        literal = string_literal(text)
        if literal is not None:
            return [literal]  # a template's regex may hold `+`: not a concatenation
        items = split_args(text[1:-1]) if text.startswith("{") and text.endswith("}") else [text]
        constants = {
            name: next(iter(values)) for name, values in self.constants.items() if len(values) == 1
        }
        out: list[str] = []
        for item in items:
            value = joined_string(item, constants)
            if value is None:
                self.problems.add(
                    (*where, f"mapping path {item[:80]} is not a literal or a known constant")
                )
                return None
            out.append(value)
        return out or [""]

    def _routes(self, cls: _Class, method: _Method) -> None:
        mapped = [a for a in method.annotations if a in _MAPPINGS]
        if not mapped:
            return
        annotation = mapped[0]
        args = _attributes(method.annotations[annotation])
        line = self._line(method, "@" + annotation)
        where = (method.file, line)
        paths = self._paths(args.get("path") or args.get("value") or "", where)
        prefix_args = _attributes(cls.annotations.get("RequestMapping", ""))
        prefixes = self._paths(prefix_args.get("path") or prefix_args.get("value") or "", where)
        if paths is None or prefixes is None:
            return
        methods = [_MAPPINGS[annotation]] if _MAPPINGS[annotation] else []
        if not methods:
            methods = sorted(set(_VERB.findall(args.get("method", "")))) or [ANY_METHOD]
        query = _query_params(method.params)
        model, is_list = _response(method.returns)
        checks = tuple(f"{a}" for a in method.annotations if a in _CHECKS or a == "RateLimiter")
        class_checks = tuple(a for a in cls.annotations if a in _CHECKS)
        for prefix in prefixes:
            mount = (
                (Mount(cls.file, cls.line, normalize_path(prefix, "openapi"), "@RequestMapping"),)
                if prefix
                else ()
            )
            for path in paths:
                full = join_paths(prefix, path) if prefix or path else "/"
                for verb in methods:
                    if len(self.routes) >= MAX_ROUTES:
                        return
                    self.routes.add(
                        Route(
                            file=method.file,
                            line=line,
                            method=verb,
                            url_path=normalize_path(full, "openapi"),
                            handler=f"{cls.name}.{method.name}",
                            framework=FRAMEWORK,
                            mounts=mount,
                            response_model=model,
                            response_is_list=is_list,
                            query_params=query,
                            decorators=checks,
                            dependencies=class_checks,
                            raw_path=path,
                        )
                    )


def _query_params(params: str) -> tuple[str, ...]:
    """@RequestParam names (the annotation's value/name, else the parameter's own name) and
    the page, size and sort a Pageable parameter takes."""
    found: list[str] = []
    for param in split_args(params):
        request = _REQUEST_PARAM.search(param)
        if request is not None:
            args = _attributes(request.group("args") or "")
            literal = string_literal(args.get("value") or args.get("name") or "")
            name = _PARAM_NAME.search(param)
            if literal:
                found.append(literal)
            elif name is not None:
                found.append(name.group(1))
        elif re.search(r"\bPageable\b", param):
            found.extend(_PAGEABLE)
        else:
            found.extend(_QUERY_PARAM.findall(param))
    return tuple(dict.fromkeys(found))


def _response(returns: str) -> tuple[str | None, bool | None]:
    """The declared response model of a return type, and whether it is a collection; wrappers
    (ResponseEntity<...>, Mono<...>) are looked through, raw or untyped ones say nothing."""
    text = returns.strip()
    for _ in range(4):
        generic = _GENERIC.fullmatch(text)
        if generic is None or generic.group(1).rsplit(".", 1)[-1] not in _WRAPPERS:
            break
        text = generic.group(2).strip()
    if not text or text in _UNTYPED or text.split("<", 1)[0] in _UNTYPED:
        return None, None
    generic = _GENERIC.fullmatch(text)
    outer = generic.group(1).rsplit(".", 1)[-1] if generic else text
    return text, outer in _LISTS or text.endswith("[]")
