"""Outside tools' rule ids mapped to gatekeeper's, in one written-out table.

bandit's B<nnn> becomes GK3<nnn> (phase 3 numbering); gatekeeper's semgrep rules get GK39nn.
An id missing from these tables is reported under its own fallback id, never dropped.
"""

from __future__ import annotations

BANDIT: dict[str, tuple[str, str]] = {
    "B101": ("GK3101", "assert-used"),
    "B102": ("GK3102", "exec-used"),
    "B103": ("GK3103", "set-bad-file-permissions"),
    "B104": ("GK3104", "hardcoded-bind-all-interfaces"),
    "B105": ("GK3105", "hardcoded-password-string"),
    "B106": ("GK3106", "hardcoded-password-funcarg"),
    "B107": ("GK3107", "hardcoded-password-default"),
    "B108": ("GK3108", "hardcoded-tmp-directory"),
    "B110": ("GK3110", "try-except-pass"),
    "B112": ("GK3112", "try-except-continue"),
    "B113": ("GK3113", "request-without-timeout"),
    "B201": ("GK3201", "flask-debug-true"),
    "B202": ("GK3202", "tarfile-unsafe-members"),
    "B301": ("GK3301", "pickle"),
    "B302": ("GK3302", "marshal"),
    "B303": ("GK3303", "md5"),
    "B304": ("GK3304", "ciphers"),
    "B305": ("GK3305", "cipher-modes"),
    "B306": ("GK3306", "mktemp-q"),
    "B307": ("GK3307", "eval"),
    "B308": ("GK3308", "mark-safe"),
    "B310": ("GK3310", "urllib-urlopen"),
    "B311": ("GK3311", "random"),
    "B312": ("GK3312", "telnetlib"),
    "B313": ("GK3313", "xml-bad-cElementTree"),
    "B314": ("GK3314", "xml-bad-ElementTree"),
    "B315": ("GK3315", "xml-bad-expatreader"),
    "B316": ("GK3316", "xml-bad-expatbuilder"),
    "B317": ("GK3317", "xml-bad-sax"),
    "B318": ("GK3318", "xml-bad-minidom"),
    "B319": ("GK3319", "xml-bad-pulldom"),
    "B321": ("GK3321", "ftplib"),
    "B323": ("GK3323", "unverified-context"),
    "B324": ("GK3324", "hashlib-insecure-functions"),
    "B401": ("GK3401", "import-telnetlib"),
    "B402": ("GK3402", "import-ftplib"),
    "B403": ("GK3403", "import-pickle"),
    "B404": ("GK3404", "import-subprocess"),
    "B405": ("GK3405", "import-xml-etree"),
    "B406": ("GK3406", "import-xml-sax"),
    "B407": ("GK3407", "import-xml-expat"),
    "B408": ("GK3408", "import-xml-minidom"),
    "B409": ("GK3409", "import-xml-pulldom"),
    "B411": ("GK3411", "import-xmlrpclib"),
    "B412": ("GK3412", "import-httpoxy"),
    "B413": ("GK3413", "import-pycrypto"),
    "B415": ("GK3415", "import-pyghmi"),
    "B501": ("GK3501", "request-with-no-cert-validation"),
    "B502": ("GK3502", "ssl-with-bad-version"),
    "B503": ("GK3503", "ssl-with-bad-defaults"),
    "B504": ("GK3504", "ssl-with-no-version"),
    "B505": ("GK3505", "weak-cryptographic-key"),
    "B506": ("GK3506", "yaml-load"),
    "B507": ("GK3507", "ssh-no-host-key-verification"),
    "B508": ("GK3508", "snmp-insecure-version"),
    "B509": ("GK3509", "snmp-weak-cryptography"),
    "B601": ("GK3601", "paramiko-calls"),
    "B602": ("GK3602", "subprocess-popen-with-shell-equals-true"),
    "B603": ("GK3603", "subprocess-without-shell-equals-true"),
    "B604": ("GK3604", "any-other-function-with-shell-equals-true"),
    "B605": ("GK3605", "start-process-with-a-shell"),
    "B606": ("GK3606", "start-process-with-no-shell"),
    "B607": ("GK3607", "start-process-with-partial-path"),
    "B608": ("GK3608", "hardcoded-sql-expressions"),
    "B609": ("GK3609", "linux-commands-wildcard-injection"),
    "B610": ("GK3610", "django-extra-used"),
    "B611": ("GK3611", "django-rawsql-used"),
    "B612": ("GK3612", "logging-config-insecure-listen"),
    "B613": ("GK3613", "trojansource"),
    "B614": ("GK3614", "pytorch-load"),
    "B615": ("GK3615", "huggingface-unsafe-download"),
    "B701": ("GK3701", "jinja2-autoescape-false"),
    "B702": ("GK3702", "use-of-mako-templates"),
    "B703": ("GK3703", "django-mark-safe"),
    "B704": ("GK3704", "markupsafe-markup-xss"),
}

SEMGREP: dict[str, tuple[str, str]] = {
    "gk-js-hardcoded-secret": ("GK3901", "js-hardcoded-secret"),
    "gk-js-hardcoded-db-url": ("GK3902", "js-hardcoded-db-url"),
    "gk-go-hardcoded-secret": ("GK3903", "go-hardcoded-secret"),
    "gk-java-hardcoded-secret": ("GK3904", "java-hardcoded-secret"),
    # JavaScript/TypeScript: GK3910-GK3939
    "gk-js-code-injection": ("GK3910", "js-code-injection"),
    "gk-js-command-injection": ("GK3911", "js-command-injection"),
    "gk-js-cors-credentials-any-origin": ("GK3912", "js-cors-credentials-any-origin"),
    "gk-js-errorhandler-in-production": ("GK3913", "js-errorhandler-in-production"),
    "gk-js-insecure-cookie": ("GK3914", "js-insecure-cookie"),
    "gk-js-insecure-deserialization": ("GK3915", "js-insecure-deserialization"),
    "gk-js-insecure-random-token": ("GK3916", "js-insecure-random-token"),
    "gk-js-jwt-decode-without-verify": ("GK3917", "js-jwt-decode-without-verify"),
    "gk-js-jwt-ignore-expiration": ("GK3918", "js-jwt-ignore-expiration"),
    "gk-js-jwt-none-algorithm": ("GK3919", "js-jwt-none-algorithm"),
    "gk-js-jwt-verify-without-algorithms": ("GK3920", "js-jwt-verify-without-algorithms"),
    "gk-js-ldap-injection": ("GK3921", "js-ldap-injection"),
    "gk-js-nosql-injection": ("GK3922", "js-nosql-injection"),
    "gk-js-open-redirect": ("GK3923", "js-open-redirect"),
    "gk-js-path-traversal": ("GK3924", "js-path-traversal"),
    "gk-js-plaintext-password-compare": ("GK3925", "js-plaintext-password-compare"),
    "gk-js-regex-injection": ("GK3926", "js-regex-injection"),
    "gk-js-sql-injection": ("GK3927", "js-sql-injection"),
    "gk-js-sql-string-building": ("GK3928", "js-sql-string-building"),
    "gk-js-ssrf": ("GK3929", "js-ssrf"),
    "gk-js-stack-trace-exposure": ("GK3930", "js-stack-trace-exposure"),
    "gk-js-template-injection": ("GK3931", "js-template-injection"),
    "gk-js-tls-verification-disabled": ("GK3932", "js-tls-verification-disabled"),
    "gk-js-weak-password-hash": ("GK3933", "js-weak-password-hash"),
    "gk-js-xpath-injection": ("GK3934", "js-xpath-injection"),
    "gk-js-xss": ("GK3935", "js-xss"),
    "gk-js-xxe": ("GK3936", "js-xxe"),
    "gk-js-autoescape-disabled": ("GK3937", "js-autoescape-disabled"),
    "gk-js-redos-pattern": ("GK3938", "js-redos-pattern"),
    "gk-js-hardcoded-service-address": ("GK3939", "js-hardcoded-service-address"),
    # Go: GK3940-GK3969
    "gk-go-command-injection": ("GK3940", "go-command-injection"),
    "gk-go-cors-credentials-any-origin": ("GK3941", "go-cors-credentials-any-origin"),
    "gk-go-gin-debug-mode": ("GK3942", "go-gin-debug-mode"),
    "gk-go-insecure-cookie": ("GK3943", "go-insecure-cookie"),
    "gk-go-jwt-hardcoded-key": ("GK3944", "go-jwt-hardcoded-key"),
    "gk-go-jwt-none-algorithm": ("GK3945", "go-jwt-none-algorithm"),
    "gk-go-jwt-unverified-parse": ("GK3946", "go-jwt-unverified-parse"),
    "gk-go-ldap-injection": ("GK3947", "go-ldap-injection"),
    "gk-go-nosql-injection": ("GK3948", "go-nosql-injection"),
    "gk-go-open-redirect": ("GK3949", "go-open-redirect"),
    "gk-go-path-traversal": ("GK3950", "go-path-traversal"),
    "gk-go-plaintext-password-compare": ("GK3951", "go-plaintext-password-compare"),
    "gk-go-regex-injection": ("GK3952", "go-regex-injection"),
    "gk-go-sql-injection": ("GK3953", "go-sql-injection"),
    "gk-go-sql-string-building": ("GK3954", "go-sql-string-building"),
    "gk-go-ssrf": ("GK3955", "go-ssrf"),
    "gk-go-template-injection": ("GK3956", "go-template-injection"),
    "gk-go-tls-insecure-skip-verify": ("GK3957", "go-tls-insecure-skip-verify"),
    "gk-go-weak-password-hash": ("GK3958", "go-weak-password-hash"),
    "gk-go-weak-random-token": ("GK3959", "go-weak-random-token"),
    "gk-go-xss": ("GK3960", "go-xss"),
    "gk-go-hardcoded-service-address": ("GK3961", "go-hardcoded-service-address"),
    # Java: GK3970-GK3997
    "gk-java-code-injection": ("GK3970", "java-code-injection"),
    "gk-java-command-injection": ("GK3971", "java-command-injection"),
    "gk-java-cookie-insecure": ("GK3972", "java-cookie-insecure"),
    "gk-java-cors-any-origin-credentials": ("GK3973", "java-cors-any-origin-credentials"),
    "gk-java-insecure-deserialization": ("GK3974", "java-insecure-deserialization"),
    "gk-java-jwt-decode-without-verify": ("GK3975", "java-jwt-decode-without-verify"),
    "gk-java-jwt-unsigned-accepted": ("GK3976", "java-jwt-unsigned-accepted"),
    "gk-java-ldap-injection": ("GK3977", "java-ldap-injection"),
    "gk-java-nosql-injection": ("GK3978", "java-nosql-injection"),
    "gk-java-open-redirect": ("GK3979", "java-open-redirect"),
    "gk-java-path-traversal": ("GK3980", "java-path-traversal"),
    "gk-java-plaintext-password-compare": ("GK3981", "java-plaintext-password-compare"),
    "gk-java-redos": ("GK3982", "java-redos"),
    "gk-java-sql-injection": ("GK3983", "java-sql-injection"),
    "gk-java-sql-string-built": ("GK3984", "java-sql-string-built"),
    "gk-java-ssrf": ("GK3985", "java-ssrf"),
    "gk-java-stacktrace-exposed": ("GK3986", "java-stacktrace-exposed"),
    "gk-java-template-injection": ("GK3987", "java-template-injection"),
    "gk-java-tls-verification-disabled": ("GK3988", "java-tls-verification-disabled"),
    "gk-java-weak-password-hash": ("GK3989", "java-weak-password-hash"),
    "gk-java-weak-random-token": ("GK3990", "java-weak-random-token"),
    "gk-java-xpath-injection": ("GK3991", "java-xpath-injection"),
    "gk-java-xss": ("GK3992", "java-xss"),
    "gk-java-xxe": ("GK3993", "java-xxe"),
    "gk-java-hardcoded-service-address": ("GK3994", "java-hardcoded-service-address"),
}

# gatekeeper's inventory rules (rules/routes/ and rules/observability/, `category: inventory`):
# they collect facts for the phases (routes, outbound calls, log calls), never findings, so
# they have no GK id.
INVENTORY = frozenset(
    {
        "gk-routes-js-call",
        "gk-routes-js-router",
        "gk-routes-js-module",
        "gk-routes-js-error-handler",
        "gk-routes-js-const",
        "gk-routes-js-nest-class",
        "gk-routes-js-nest-method",
        "gk-routes-js-plugin",
        "gk-routes-js-nest-module",
        "gk-routes-js-factory",
        "gk-routes-js-hand-check",
        "gk-routes-go-route",
        "gk-routes-go-group",
        "gk-routes-go-use",
        "gk-routes-go-func",
        "gk-routes-go-call",
        "gk-routes-go-mount",
        "gk-routes-go-const",
        "gk-routes-go-assign",
        "gk-routes-java-controller",
        "gk-routes-java-mapping",
        "gk-routes-java-const",
        "gk-routes-java-functional",
        "gk-routes-java-gateway",
        "gk-routes-java-security",
        "gk-routes-js-object",
        "gk-routes-go-object",
        "gk-routes-java-object",
        "gk-obs-js-outbound",
        "gk-obs-js-log",
        "gk-obs-js-swallowed",
        "gk-obs-go-outbound",
        "gk-obs-go-log",
        "gk-obs-go-swallowed",
        "gk-obs-java-outbound",
        "gk-obs-java-log",
        "gk-obs-java-swallowed",
        "gk-obs-js-dbclient",
        "gk-obs-js-session",
        "gk-obs-js-state",
        "gk-obs-js-upload",
        "gk-obs-go-state",
        "gk-obs-go-upload",
        "gk-obs-java-state",
        "gk-obs-java-upload",
        "gk-obs-go-dbclient",
    }
)

# Finding kinds that test code legitimately contains (fake passwords, temp paths, weak
# randomness); in test files they are reported at low severity. See engines/scan.py.
TEST_FIXTURE_RULES = frozenset(
    {"GK3105", "GK3106", "GK3107", "GK3108", "GK3311", "GK3901", "GK3902", "GK3903", "GK3904"}
    | {"GK3916", "GK3990", "GK3959"}  # tokens from a non-cryptographic random generator
    | {"GK3939", "GK3961", "GK3994"}  # local service addresses
)

_A01 = "A01:2021 - Broken Access Control"
_A02 = "A02:2021 - Cryptographic Failures"
_A03 = "A03:2021 - Injection"
_A04 = "A04:2021 - Insecure Design"
_A05 = "A05:2021 - Security Misconfiguration"
_A07 = "A07:2021 - Identification and Authentication Failures"
_A08 = "A08:2021 - Software and Data Integrity Failures"
_A10 = "A10:2021 - Server-Side Request Forgery"
_API2 = "API2:2023 - Broken Authentication"
_API4 = "API4:2023 - Unrestricted Resource Consumption"
_API7 = "API7:2023 - Server Side Request Forgery"
_API8 = "API8:2023 - Security Misconfiguration"

# bandit reports a CWE per issue; these are the OWASP Top 10 2021 and API Security Top 10
# 2023 categories each of those CWEs belongs to. A CWE missing here gets no category.
CWE_OWASP: dict[int, tuple[str, ...]] = {
    20: (_A03, _API8),
    22: (_A01, _API8),
    78: (_A03, _API8),
    79: (_A03, _API8),
    88: (_A03, _API8),
    89: (_A03, _API8),
    94: (_A03, _API8),
    95: (_A03, _API8),
    155: (_A03, _API8),
    259: (_A07, _API2),
    295: (_A07, _API8),
    319: (_A02, _API8),
    326: (_A02, _API2),
    327: (_A02, _API2),
    328: (_A02, _API2),
    330: (_A02, _API2),
    338: (_A02, _API2),
    377: (_A01, _API8),
    400: (_A04, _API4),
    502: (_A08, _API8),
    605: (_A05, _API8),
    611: (_A05, _API8),
    703: (_A04, _API8),
    732: (_A01, _API8),
    798: (_A07, _API2),
    918: (_A10, _API7),
    1333: (_A03, _API4),
}


def owasp_for_cwe(number: int | None) -> tuple[str, ...]:
    return CWE_OWASP.get(number, ()) if number else ()


# bandit's weak-hash tests (md5, sha1 anywhere): reported at low; see engines/scan.py.
WEAK_HASH_TESTS = frozenset({"B303", "B324"})

UNMAPPED_BANDIT = "GK3999"
UNMAPPED_SEMGREP = "GK3998"


def bandit_rule(test_id: str, test_name: str) -> tuple[str, str]:
    return BANDIT.get(test_id, (UNMAPPED_BANDIT, f"bandit-{test_id}-{test_name}"))


def semgrep_rule(check_id: str) -> tuple[str, str]:
    return SEMGREP.get(check_id, (UNMAPPED_SEMGREP, f"semgrep-{check_id}"))


# How to fix the engine findings that `gatekeeper audit --fix` can fix mechanically (where the
# code allows it); the remediation plan and the brief quote these. Other engine findings point
# to `gatekeeper explain ID`.
FIX_HINTS: dict[str, str] = {
    "GK3506": "Load YAML with yaml.safe_load (or Loader=yaml.SafeLoader).",
    "GK3501": "Remove verify=False so certificates are checked; to trust a private CA, pass "
    "verify=PATH to its bundle.",
    "GK3113": "Give the call a timeout so a slow peer cannot hold the worker.",
    "GK3201": "Read debug from the environment, off unless set; never run the debugger where "
    "it can be reached.",
    "GK3602": "Pass the command as an argument list without shell=True; never build a shell "
    "command from input.",
    "GK3608": "Pass the values as query parameters (placeholders), never format them into the "
    "SQL text.",
}
MECHANICAL = " `gatekeeper audit --fix` does this where the code allows it."
# The rule ids gatekeeper/fix.py has a codemod for, and the timeout it gives HTTP calls (here,
# not in fix.py, so that reading them does not import libcst).
FIXABLE = frozenset({"GK3506", "GK3501", "GK3113", "GK422", "GK3201", "GK3823", "GK3602"})
FIX_TIMEOUT_SECONDS = 10
