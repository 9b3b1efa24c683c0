#!/usr/bin/env bash
# The audit step of gatekeeper's GitHub Action (action.yml), kept in a file of its own so that
# it can be run and tested outside GitHub.
#
# It reads only these environment variables:
#   INPUT_PATH              directory to audit (default: .)
#   INPUT_FAIL_ON           passed as --fail-on when not empty
#   INPUT_POLICY_FROM_BASE  "true" (default): on a pull request, take the policy and the
#                           baseline from the base branch
#   INPUT_DIFF              "true": on a pull request, report only findings on changed lines
#                           (--diff origin/BASE; needs the base branch's history)
#   GATEKEEPER_BIN          the gatekeeper executable (default: gatekeeper on PATH)
#   GITHUB_BASE_REF         the pull request's base branch (empty outside pull requests)
#   GITHUB_STEP_SUMMARY     file the Markdown report is appended to (optional)
#   GITHUB_OUTPUT           file the step outputs are appended to (optional)
#   RUNNER_TEMP             directory for the reports and the base branch's files (required)
#
# Outputs: verdict (pass, fail, incomplete, or error when no JSON report was written),
# exit-code, json-file and sarif-file (empty when the file was not written).
# Exit status: the audit's (0 pass, 1 a gate failed, 2 usage or configuration error,
# 3 incomplete audit or internal error).
set -uo pipefail

if [[ -z "${RUNNER_TEMP:-}" ]]; then
    echo "gatekeeper action: RUNNER_TEMP is not set" >&2
    exit 2
fi

target="${INPUT_PATH:-.}"
fail_on="${INPUT_FAIL_ON:-}"
policy_from_base="${INPUT_POLICY_FROM_BASE:-true}"
diff_mode="${INPUT_DIFF:-false}"
gatekeeper="${GATEKEEPER_BIN:-gatekeeper}"
base_ref="${GITHUB_BASE_REF:-}"
outputs="${GITHUB_OUTPUT:-/dev/null}"

out_dir="$RUNNER_TEMP/gatekeeper"
json_file="$out_dir/gatekeeper.json"
sarif_file="$out_dir/gatekeeper.sarif"
markdown_file="$out_dir/gatekeeper.md"
policy_file="$RUNNER_TEMP/gatekeeper-policy.toml"
baseline_file="$RUNNER_TEMP/gatekeeper-baseline.json"

mkdir -p "$out_dir"
# Reports of an earlier run in the same job must not be taken for this run's.
rm -f "$json_file" "$sarif_file" "$markdown_file" "$policy_file" "$baseline_file"

# Write the step outputs and leave with the given exit code.
finish() {
    local code="$1" verdict="error" json_out="" sarif_out="" python
    if [[ -s "$json_file" ]]; then
        json_out="$json_file"
        # The Python beside the gatekeeper executable (the action's venv), else python3.
        python="$(dirname -- "$gatekeeper")/python"
        [[ -x "$python" ]] || python="python3"
        verdict="$("$python" -c '
import json, sys

with open(sys.argv[1], encoding="utf-8") as fh:
    report = json.load(fh)
print(report["verdict"] if report.get("complete", True) else "incomplete")
' "$json_file")" || verdict="error"
    fi
    [[ -s "$sarif_file" ]] && sarif_out="$sarif_file"
    if [[ -s "$markdown_file" && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
        cat -- "$markdown_file" >>"$GITHUB_STEP_SUMMARY"
    fi
    {
        printf 'verdict=%s\n' "$verdict"
        printf 'exit-code=%s\n' "$code"
        printf 'json-file=%s\n' "$json_out"
        printf 'sarif-file=%s\n' "$sarif_out"
    } >>"$outputs"
    exit "$code"
}

# Copy FILE (relative to the audited directory) from the base branch to DEST; 1 when the
# base branch has no such file.
from_base() {
    local name="$1" dest="$2"
    git -C "$target" cat-file -e "refs/remotes/origin/$base_ref:./$name" 2>/dev/null || return 1
    git -C "$target" show "refs/remotes/origin/$base_ref:./$name" >"$dest"
}

args=()
if [[ -n "$base_ref" && "$policy_from_base" == "true" ]]; then
    if ! git -C "$target" rev-parse --verify --quiet "refs/remotes/origin/$base_ref^{commit}" >/dev/null; then
        echo "gatekeeper action: fetching origin/$base_ref (check out with fetch-depth: 0 to skip this)"
        git -C "$target" fetch --no-tags --depth=1 origin \
            "+refs/heads/$base_ref:refs/remotes/origin/$base_ref" || true
    fi
    if ! git -C "$target" rev-parse --verify --quiet "refs/remotes/origin/$base_ref^{commit}" >/dev/null; then
        # Fail closed: auditing with the pull request's own policy would let it relax the gates.
        echo "gatekeeper action: cannot read the base branch origin/$base_ref; set" \
            "policy-from-base: false to audit with the repository's own policy" >&2
        finish 2
    fi
    # A standalone gatekeeper.toml / .gatekeeper.toml holds the policy when there is one
    # (gatekeeper refuses two configurations); otherwise pyproject.toml's [tool.gatekeeper].
    found_policy=""
    for name in gatekeeper.toml .gatekeeper.toml pyproject.toml; do
        if from_base "$name" "$policy_file"; then
            found_policy="$name"
            break
        fi
    done
    if [[ -n "$found_policy" ]]; then
        echo "gatekeeper action: policy from origin/$base_ref:$found_policy"
        args+=(--config "$policy_file")
    else
        # Fail closed: the base branch's policy is the defaults, and the pull request's own
        # configuration is only compared with them (a relaxation fails requirements).
        : >"$policy_file"
        echo "gatekeeper action: origin/$base_ref has no gatekeeper configuration;" \
            "auditing with the defaults"
        args+=(--config "$policy_file")
    fi
    if from_base .gatekeeper-baseline.json "$baseline_file"; then
        echo "gatekeeper action: baseline from origin/$base_ref:.gatekeeper-baseline.json"
        args+=(--baseline "$baseline_file")
    else
        rm -f "$baseline_file"
        # The base branch accepts no findings: a baseline the pull request adds must not count.
        echo "gatekeeper action: origin/$base_ref has no baseline; every finding counts"
        args+=(--no-baseline)
    fi
fi

if [[ -n "$base_ref" && "$diff_mode" == "true" ]]; then
    args+=(--diff "origin/$base_ref")
fi

if [[ -n "$fail_on" ]]; then
    args+=(--fail-on "$fail_on")
fi

status=0
"$gatekeeper" audit \
    --format text --format json --format sarif --format markdown \
    --output "json=$json_file" \
    --output "sarif=$sarif_file" \
    --output "markdown=$markdown_file" \
    ${args[@]+"${args[@]}"} \
    -- "$target" || status=$?

finish "$status"
