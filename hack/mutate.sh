#!/usr/bin/env bash
# hack/mutate.sh — mutation testing with gremlins (https://gremlins.dev), not part of CI: it is slow (each mutant
# recompiles and reruns a package's tests).
#
# Usage:
#   hack/mutate.sh [PKG...]    default: stacks/config catalogue components/... infra/... stacks
#
# PKG is a directory of the module, optionally ending in /... (then every package below it is mutated, each
# reported on its own). The tool is built once from the Go module proxy into the tool cache, like hack/tools.sh:
# ${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac}/gremlins-<version>/bin/gremlins.
#
# For each package it prints killed / survived (gremlins: "lived") / not covered / timed out / not viable and the
# kill rate (killed / (killed + survived)); per-mutant results (file, line, column, mutator, status) are kept in
# $OUT (default: $DIR/mutate/<package>.json). Mutants are gremlins' operator mutations: conditionals (boundary,
# negation), arithmetic, increment/decrement, inverted logic and loop control.
#
# Environment: MUTATE_WORKERS (default 1) parallel mutants, MUTATE_TIMEOUT_COEFFICIENT (default 30) multiplies the
# package's own test time to get a mutant's timeout. gremlins measures that time on a run whose build is usually
# cached, while every mutant relinks the test binary (the Pulumi SDKs make that the slow part), hence the large
# default; a mutant that still times out is reported as such, not as killed.
set -euo pipefail

GREMLINS_VERSION=v0.5.0
DIR="${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$DIR/mutate}"
WORKERS="${MUTATE_WORKERS:-1}"
COEFF="${MUTATE_TIMEOUT_COEFFICIENT:-30}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

BIN="$DIR/gremlins-$GREMLINS_VERSION/bin/gremlins"
if [[ ! -x "$BIN" ]]; then
  echo "[mutate] building gremlins $GREMLINS_VERSION into $(dirname "$BIN")" >&2
  mkdir -p "$(dirname "$BIN")"
  GOBIN="$(dirname "$BIN")" GOFLAGS="-buildvcs=false" go install -ldflags='-s -w' \
    "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
fi

cd "$REPO_ROOT"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(stacks/config catalogue components/... infra/... stacks)
fi
# Expand DIR/... into the packages below DIR that have test files or code, one run per package, so every package
# gets its own numbers (gremlins mutates ./<dir>/... as one unit otherwise).
pkgs=()
for t in "${targets[@]}"; do
  t="${t#./}"
  if [[ "$t" == */... ]]; then
    while IFS= read -r d; do pkgs+=("$d"); done < <(go list -f '{{if .GoFiles}}{{.Dir}}{{end}}' "./$t" |
      sed "s|^$REPO_ROOT/||")
  else
    pkgs+=("${t%/}")
  fi
done

mkdir -p "$OUT"
summary=()
for p in "${pkgs[@]}"; do
  json="$OUT/$(echo "$p" | tr / _).json"
  echo "[mutate] $p" >&2
  # gremlins mutates and tests the package of the directory it is started in (and those below it); --coverpkg keeps
  # coverage, and so the mutants tried, to this one package.
  (cd "$p" && "$BIN" unleash --workers "$WORKERS" --test-cpu 1 --timeout-coefficient "$COEFF" \
    --coverpkg "./$p" --output "$json") >&2 || echo "[mutate] gremlins failed on $p" >&2
  if [[ -s "$json" ]]; then
    summary+=("$(python3 - "$p" "$json" <<'PY'
import json, os, sys
pkg, path = sys.argv[1], sys.argv[2]
data = json.load(open(path))
counts = {}
for f in data.get("files", []):
    # Only mutants in this package's own files (not in packages below it); names are relative to the package
    # directory or to the module root.
    if os.path.dirname(os.path.normpath(f["file_name"])) not in ("", pkg):
        continue
    for m in f["mutations"]:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
k, l = counts.get("KILLED", 0), counts.get("LIVED", 0)
rate = f"{100.0 * k / (k + l):.1f}%" if k + l else "n/a"
print(f"{pkg:28} killed {k:4}  survived {l:4}  not covered {counts.get('NOT COVERED', 0):4}  "
      f"timed out {counts.get('TIMED OUT', 0):3}  not viable {counts.get('NOT VIABLE', 0):3}  kill rate {rate}")
PY
)")
  else
    summary+=("$(printf '%-28s no result' "$p")")
  fi
done
echo
printf '%s\n' "${summary[@]}"
