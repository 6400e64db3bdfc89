#!/usr/bin/env bash
# hack/tools.sh — acquire (once) and cache the local toolchain used to run the real
# Pulumi engine + Kubernetes provider against a local control plane (hack/localcp.sh).
#
# Usage:
#   hack/tools.sh [TOOL...]     acquire the named tools (default: all of them), then write $DIR/env.sh
#   hack/tools.sh --print-env   print the path of env.sh (acquires nothing)
#   hack/tools.sh --list        print the tools and their pinned versions
#
# Each tool goes down a ladder; the first step that yields a binary of a fitting version wins, and the
# script says which step it took ("pulumi v3.274.1: path /root/.pulumi/bin/pulumi"):
#   env       DIGIT_<TOOL>_BIN names a binary (e.g. DIGIT_KUBECTL_BIN); it must fit, else the run fails
#   path      a binary on PATH whose version fits (kubectl: also kubectl.<major.minor>, e.g. google-cloud-sdk's
#             kubectl.1.33 beside its kubectl dispatcher)
#   cache     $DIR/<tool>-<version>/bin/<tool>, from an earlier download or build
#   download  the official release archive, verified against a pinned sha256, with a short connect timeout so
#             that a machine without internet fails over at once (skipped when no checksum is pinned)
#   build     from source through the Go module proxy (the only path on machines that reach nothing else)
# The Kubernetes provider plugin: DIGIT_PULUMI_RESOURCE_KUBERNETES_BIN, then the Pulumi plugin cache
# ($PULUMI_HOME/plugins), then $DIR, then `pulumi plugin install`, then the source build.
#
# Every chosen binary is linked into $DIR/bin, which env.sh puts first on PATH. Cached builds and downloads
# live outside the checkout under ${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac}, one directory per tool and
# version, so a version bump acquires into a new directory and an existing binary is never rebuilt.
#
# Knobs: DIGIT_TOOLS_BUILD=never (fail instead of building from source), DIGIT_TOOLS_OFFLINE=1 (no download
# attempts), DIGIT_TOOLS_CONNECT_TIMEOUT (seconds, default 5), DIGIT_TOOLS_DOWNLOAD_TIMEOUT (default 600),
# DIGIT_<TOOL>_URL / DIGIT_<TOOL>_SHA256 (another archive and its checksum, e.g. a local mirror).
# Recipes and measurements: /work/shared/reference/toolchain-notes.md.
set -euo pipefail

DIR="${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac}"

PULUMI_VERSION=v3.274.1
# The Go language host left sdk/v3 after v3.62.0 and its new module is not on the proxy;
# the v3.62.0 host still speaks the protocol of CLI v3.274.1 (verified for preview/up/destroy).
# A downloaded or preinstalled CLI brings its own host of its own version instead.
LANGHOST_VERSION=v3.62.0
# The only provider/v4 version the proxy serves (a January 2026 commit, ~v4.25).
K8S_PROVIDER_MODVERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.25.0
KUBE_VERSION=v1.33.13
KUBE_STAGING_VERSION=v0.33.13
ETCD_VERSION=v3.5.21
KWOK_VERSION=v0.7.0

# Official release archives (linux/amd64). A download is only attempted with a pinned sha256: these machines
# reach no release site, so the checksums could not be taken here. Fill one in from the project's published
# checksums (pulumi-<v>-checksums.txt, dl.k8s.io/.../<bin>.sha256, etcd's SHA256SUMS, kwok's release page), or
# pass DIGIT_<TOOL>_SHA256 for a run.
declare -A URL=(
  [pulumi]="https://get.pulumi.com/releases/sdk/pulumi-$PULUMI_VERSION-linux-x64.tar.gz"
  [kubectl]="https://dl.k8s.io/release/$KUBE_VERSION/bin/linux/amd64/kubectl"
  [kube-apiserver]="https://dl.k8s.io/release/$KUBE_VERSION/bin/linux/amd64/kube-apiserver"
  [kube-controller-manager]="https://dl.k8s.io/release/$KUBE_VERSION/bin/linux/amd64/kube-controller-manager"
  [kube-scheduler]="https://dl.k8s.io/release/$KUBE_VERSION/bin/linux/amd64/kube-scheduler"
  [etcd]="https://github.com/etcd-io/etcd/releases/download/$ETCD_VERSION/etcd-$ETCD_VERSION-linux-amd64.tar.gz"
  [kwok]="https://github.com/kubernetes-sigs/kwok/releases/download/$KWOK_VERSION/kwok-linux-amd64"
)
declare -A SHA256=(
  [pulumi]=""
  [kubectl]=""
  [kube-apiserver]=""
  [kube-controller-manager]=""
  [kube-scheduler]=""
  [etcd]=""
  [kwok]=""
)
# Which files of a .tar.gz are installed (in this order; the tool's own binary last, as it marks the cache
# entry complete). A URL not ending in .tar.gz is the binary itself.
declare -A MEMBERS=(
  [pulumi]="pulumi/pulumi-language-go pulumi/pulumi"
  [etcd]="etcd-$ETCD_VERSION-linux-amd64/etcd"
)

# In acquisition order. postgresql comes from apt (localcp.sh's database), the rest down the ladder.
ALL_TOOLS=(postgresql pulumi pulumi-language-go pulumi-resource-kubernetes etcd kube-apiserver
  kube-controller-manager kube-scheduler kubectl kwok)

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-go) echo "$LANGHOST_VERSION" ;;
    pulumi-resource-kubernetes) echo "v$K8S_PROVIDER_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    kube-* | kubectl) echo "$KUBE_VERSION" ;;
    postgresql) echo "(apt)" ;;
  esac
}

# cache_candidates TOOL — where earlier downloads or builds of the pinned version live.
cache_candidates() {
  case "$1" in
    pulumi) echo "$DIR/pulumi-$PULUMI_VERSION/bin/pulumi" ;;
    # A downloaded CLI archive brings the host of its own version; else the source-built v3.62.0 one.
    pulumi-language-go)
      echo "$DIR/pulumi-$PULUMI_VERSION/bin/pulumi-language-go"
      echo "$DIR/pulumi-language-go-$LANGHOST_VERSION/bin/pulumi-language-go"
      ;;
    pulumi-resource-kubernetes)
      echo "$DIR/pulumi-resource-kubernetes-v$K8S_PROVIDER_VERSION/bin/pulumi-resource-kubernetes"
      ;;
    etcd)
      echo "$DIR/etcd-$ETCD_VERSION/bin/etcd"
      echo "$DIR/etcd-debian/bin/etcd"
      ;;
    kwok) echo "$DIR/kwok-$KWOK_VERSION/bin/kwok" ;;
    kube-* | kubectl) echo "$DIR/kubernetes-$KUBE_VERSION/bin/$1" ;;
  esac
}
cache_path() { cache_candidates "$1" | head -n1; }

# The arguments that make a binary print its version, and the rule a found version must satisfy.
version_args() {
  case "$1" in
    pulumi) echo "version" ;;
    kubectl) echo "version --client" ;;
    *) echo "--version" ;;
  esac
}
# fits TOOL VERSION — 0 if VERSION (as printed by the binary) serves for TOOL. pulumi: the pinned one or a
# newer v3 (the Automation API needs at least the SDK's CLI); the control plane and kwok: the pinned minor.
fits() {
  local want have
  want="$(tool_version "$1")"
  want="${want#v}" have="${2#v}"
  [[ "$have" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || return 1
  have="${BASH_REMATCH[0]}"
  case "$1" in
    pulumi | pulumi-resource-kubernetes)
      [[ "${have%%.*}" == "${want%%.*}" ]] && version_ge "$have" "$want"
      ;;
    *) [[ "${have%.*}" == "${want%.*}" ]] ;;
  esac
}
version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]; }
fit_rule() {
  local want
  want="$(tool_version "$1")"
  local major="${want#v}"
  case "$1" in
    pulumi | pulumi-resource-kubernetes) echo ">= $want within v${major%%.*}" ;;
    *) echo "${want%.*}.x" ;;
  esac
}

usage() {
  echo "usage: $0 [--print-env | --list | TOOL...]; tools: ${ALL_TOOLS[*]}" >&2
  exit 2
}

REQUESTED=()
case "${1:-}" in
  --print-env)
    [[ $# -eq 1 ]] || usage
    echo "$DIR/env.sh"
    exit 0
    ;;
  --list)
    [[ $# -eq 1 ]] || usage
    for t in "${ALL_TOOLS[@]}"; do printf '%-28s %s\n' "$t" "$(tool_version "$t")"; done
    exit 0
    ;;
  -*) usage ;;
esac
for a in "$@"; do
  [[ " ${ALL_TOOLS[*]} " == *" $a "* ]] || { echo "$0: unknown tool '$a' (known: ${ALL_TOOLS[*]})" >&2; exit 2; }
  REQUESTED+=("$a")
done
[[ ${#REQUESTED[@]} -gt 0 ]] || REQUESTED=("${ALL_TOOLS[@]}")

case "${DIGIT_TOOLS_BUILD:-auto}" in
  auto | never) ;;
  *) echo "$0: DIGIT_TOOLS_BUILD must be auto or never, not '${DIGIT_TOOLS_BUILD}'" >&2; exit 2 ;;
esac
CONNECT_TIMEOUT="${DIGIT_TOOLS_CONNECT_TIMEOUT:-5}"
DOWNLOAD_TIMEOUT="${DIGIT_TOOLS_DOWNLOAD_TIMEOUT:-600}"
[[ "$CONNECT_TIMEOUT" =~ ^[0-9]+$ && "$DOWNLOAD_TIMEOUT" =~ ^[0-9]+$ ]] ||
  { echo "$0: DIGIT_TOOLS_CONNECT_TIMEOUT and DIGIT_TOOLS_DOWNLOAD_TIMEOUT must be whole seconds" >&2; exit 2; }

mkdir -p "$DIR/.work" "$DIR/bin"
TIMES_LOG="$DIR/build-times.log"
WORK="$(mktemp -d "$DIR/.work/build.XXXXXX")"
# Helper modules and the provider copy are throw-away; the Go module and build caches keep
# what is worth keeping. (The module cache is read-only, hence the chmod.)
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

log() { printf '[tools %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# cpu_now — set CPU_NOW to the user+system CPU seconds of all finished child processes so far (the compilers of
# a build included): unlike wall-clock time, it hardly moves when other work shares the machine's cores. It sets a
# variable rather than printing: in a $(...) subshell, `times` would count that subshell's children only (none).
CPU_NOW=0
cpu_now() {
  local a b
  times >"$WORK/.times"
  { read -r _ _ && read -r a b; } <"$WORK/.times"
  CPU_NOW=$(($(mmss "$a") + $(mmss "$b")))
}
mmss() { # 1m2.345s -> 62
  local m="${1%%m*}" s="${1#*m}"
  s="${s%s}"
  echo $((10#$m * 60 + 10#${s%.*}))
}

# timed NAME CMD... — run an acquisition step; if it built or downloaded something (it calls `built`), log
# and record its wall-clock and CPU time in $DIR/build-times.log. Cache hits stay quiet.
BUILT=0
built() { BUILT=1; }
timed() {
  local name="$1"; shift
  local start=$SECONDS cpu0 rc=0
  cpu_now
  cpu0=$CPU_NOW
  BUILT=0
  # Steps run with errexit suspended (they sit on the left of ||), so each one checks its commands itself.
  "$@" || rc=$?
  # (A ladder step that only passes, e.g. no checksum pinned, is no failure: QUIET_FAIL=1 keeps it silent.)
  ((rc == 0 || ${QUIET_FAIL:-0})) || log "$name: failed (exit $rc)"
  if ((BUILT)); then
    cpu_now
    local took=$((SECONDS - start)) cpu=$((CPU_NOW - cpu0))
    log "$name: done in ${took}s (${cpu} CPU s)"
    printf '%s\t%s\t%ss\t%s CPU s\n' "$(date -u +%FT%TZ)" "$name" "$took" "$cpu" >>"$TIMES_LOG"
  fi
  return "$rc"
}

# install_bin SRC DEST — move a fresh binary into place atomically, so an interrupted build or download never
# leaves a half-written binary that the cache step would accept.
install_bin() {
  mkdir -p "$(dirname "$2")" && chmod +x "$1" && mv -f "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2" || return 1
  built
}

# link_tool TOOL TARGET — make $DIR/bin/TOOL point at the chosen binary (atomically).
link_tool() {
  ln -sfn "$2" "$DIR/bin/.$1.tmp.$$"
  mv -fT "$DIR/bin/.$1.tmp.$$" "$DIR/bin/$1"
}

# ---------------------------------------------------------------------------------------------
# The ladder. CHOSEN[tool] is the binary a step settled on; WHY[tool] collects why earlier steps passed.
declare -A CHOSEN=() WHY=()
note() { WHY[$1]+="${WHY[$1]:+; }$2"; }
take() { # TOOL STEP BINARY
  CHOSEN[$1]="$3"
  link_tool "$1" "$3"
  log "$1 $(tool_version "$1"): $2 $3"
}

# probe TOOL BIN — print the version BIN reports (empty if it reports none).
probe() {
  local out args
  read -r -a args <<<"$(version_args "$1")"
  out="$(timeout 20 "$2" "${args[@]}" 2>&1 </dev/null)" || true
  [[ "$out" =~ v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]* ]] && echo "${BASH_REMATCH[0]}"
  return 0
}

# try_binary TOOL STEP BIN — take BIN if its version fits; else note why not.
try_binary() {
  local v
  v="$(probe "$1" "$3")"
  if [[ -n "$v" ]] && fits "$1" "$v"; then
    take "$1" "$2" "$3"
    return 0
  fi
  note "$1" "$2: $3 reports ${v:-no version}, need $(fit_rule "$1")"
  log "$1: passed over $3 (${v:-no version}, need $(fit_rule "$1"))"
  return 1
}

env_var() { # TOOL SUFFIX — DIGIT_<TOOL>_<SUFFIX>
  local n="${1^^}"
  echo "DIGIT_${n//-/_}_$2"
}

# path_candidates TOOL — binaries on PATH (outside $DIR) that may be TOOL, best first.
path_candidates() {
  local names=("$1") d n
  if [[ "$1" == kubectl ]]; then
    local mm="${KUBE_VERSION#v}"
    names=("kubectl.${mm%.*}" kubectl)
  fi
  local IFS=:
  for d in $PATH; do
    [[ -n "$d" && "$d" != "$DIR" && "$d" != "$DIR/"* ]] || continue
    for n in "${names[@]}"; do
      if [[ -f "$d/$n" && -x "$d/$n" ]]; then
        echo "$d/$n"
        # A version dispatcher (google-cloud-sdk's kubectl) keeps the real binaries beside itself.
        if [[ "$1" == kubectl && "$n" == kubectl ]]; then
          local real sib
          real="$(readlink -f "$d/$n")"
          sib="$(dirname "$real")/${names[0]}"
          [[ -x "$sib" && "$sib" != "$real" ]] && echo "$sib"
        fi
      fi
    done
  done
}

# from_env_or_path TOOL — the env and path steps. Exits the script if DIGIT_<TOOL>_BIN names a bad binary.
from_env_or_path() {
  local var bin
  var="$(env_var "$1" BIN)"
  if [[ -n "${!var:-}" ]]; then
    bin="${!var}"
    [[ -x "$bin" ]] || { log "ERROR: $var=$bin is not an executable file"; exit 1; }
    [[ "$1" == pulumi-resource-kubernetes ]] && { take "$1" "$var (version not checked)" "$bin"; return 0; }
    try_binary "$1" "$var" "$bin" && return 0
    log "ERROR: $var=$bin does not fit: ${WHY[$1]##*; }"
    exit 1
  fi
  [[ "$1" == pulumi-resource-kubernetes ]] && return 1
  if [[ "$1" == pulumi-language-go ]]; then
    # The host of the release a preinstalled CLI came with lives beside it (it reports no version itself).
    local p="${CHOSEN[pulumi]:-}"
    if [[ -n "$p" && "$p" != "$DIR/"* && -x "$(dirname "$p")/pulumi-language-go" ]]; then
      take "$1" "path (beside $p)" "$(dirname "$p")/pulumi-language-go"
      return 0
    fi
    note "$1" "path: no pulumi-language-go beside a preinstalled pulumi"
    return 1
  fi
  local found=0
  while read -r bin; do
    [[ -n "$bin" ]] || continue
    found=1
    try_binary "$1" path "$bin" && return 0
  done < <(path_candidates "$1")
  ((found)) || note "$1" "path: none on PATH"
  return 1
}

from_cache() { # TOOL [STEP]
  local c
  while read -r c; do
    if [[ -x "$c" ]]; then
      take "$1" "${2:-cache}" "$c"
      return 0
    fi
  done < <(cache_candidates "$1")
  note "$1" "cache: no $(cache_candidates "$1" | sed ':a;N;$!ba;s/\n/ or /g')"
  return 1
}

# download TOOL — fetch the release archive, verify it, install into the cache directory.
download() {
  local t="$1" uvar svar url sha
  uvar="$(env_var "$t" URL)" svar="$(env_var "$t" SHA256)"
  url="${!uvar:-${URL[$t]:-}}" sha="${!svar:-${SHA256[$t]:-}}"
  [[ -n "$url" ]] || { note "$t" "download: no release archive"; return 1; }
  [[ -n "$sha" ]] || { note "$t" "download: no pinned sha256 (set $svar)"; return 1; }
  [[ "${DIGIT_TOOLS_OFFLINE:-}" != 1 ]] || { note "$t" "download: DIGIT_TOOLS_OFFLINE=1"; return 1; }
  if [[ -z "${!uvar:-}" && "$(uname -sm)" != "Linux x86_64" ]]; then
    note "$t" "download: the pinned archive is for Linux x86_64, not $(uname -sm)"
    return 1
  fi
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || { log "ERROR: sha256 for $t is not 64 hex digits: '$sha'"; exit 1; }
  log "$t: downloading $url ..."
  local f="$WORK/download.$t" rc=0
  curl -fsSL --connect-timeout "$CONNECT_TIMEOUT" --max-time "$DOWNLOAD_TIMEOUT" -o "$f" "$url" || rc=$?
  if ((rc != 0)); then
    note "$t" "download: $url failed (curl exit $rc)"
    log "$t: download of $url failed (curl exit $rc); next step"
    return 1
  fi
  local got
  got="$(sha256sum "$f" | cut -d' ' -f1)"
  if [[ "$got" != "$sha" ]]; then
    rm -f "$f"
    note "$t" "download: checksum mismatch for $url (expected $sha, got $got)"
    log "$t: checksum mismatch for $url: expected $sha, got $got; discarded"
    return 1
  fi
  local dest
  dest="$(dirname "$(cache_path "$t")")"
  if [[ "$url" == *.tar.gz || "$url" == *.tgz ]]; then
    local x="$WORK/extract.$t" m
    mkdir -p "$x"
    tar -xzf "$f" -C "$x" || { note "$t" "download: $url is not a readable .tar.gz"; return 1; }
    for m in ${MEMBERS[$t]:-$t}; do
      [[ -f "$x/$m" ]] || { note "$t" "download: $url has no $m"; log "$t: $url has no $m; next step"; return 1; }
    done
    for m in ${MEMBERS[$t]:-$t}; do install_bin "$x/$m" "$dest/$(basename "$m")" || return 1; done
  else
    install_bin "$f" "$dest/$t" || return 1
  fi
  take "$t" download "$(cache_path "$t")"
}

# Kubernetes provider plugin: the Pulumi plugin cache holds resource-kubernetes-v<version>/ directories.
plugin_dir() { echo "${PULUMI_HOME:-$HOME/.pulumi}/plugins"; }
from_plugin_cache() {
  local best="" bv="" d v
  for d in "$(plugin_dir)"/resource-kubernetes-v*/; do
    [[ -x "$d/pulumi-resource-kubernetes" ]] || continue
    v="${d%/}"
    v="${v##*/resource-kubernetes-v}"
    fits pulumi-resource-kubernetes "$v" || continue
    if [[ -z "$bv" ]] || version_ge "$v" "$bv"; then best="$d" bv="$v"; fi
  done
  if [[ -n "$best" ]]; then
    take pulumi-resource-kubernetes "plugin-cache (v$bv)" "${best%/}/pulumi-resource-kubernetes"
    return 0
  fi
  note pulumi-resource-kubernetes "plugin-cache: no resource-kubernetes-v<$(fit_rule pulumi-resource-kubernetes)> in $(plugin_dir)"
  return 1
}
plugin_install() {
  local t=pulumi-resource-kubernetes pulumi="${CHOSEN[pulumi]:-}"
  [[ -n "$pulumi" ]] || { note "$t" "plugin-install: no pulumi CLI yet"; return 1; }
  [[ "${DIGIT_TOOLS_OFFLINE:-}" != 1 ]] || { note "$t" "plugin-install: DIGIT_TOOLS_OFFLINE=1"; return 1; }
  # The CLI retries for a long time when there is no network; ask the plugin server first, briefly.
  local probe_url="${DIGIT_TOOLS_PLUGIN_PROBE_URL:-https://get.pulumi.com/}" rc=0
  curl -sS -o /dev/null --connect-timeout "$CONNECT_TIMEOUT" --max-time "$((CONNECT_TIMEOUT * 2))" "$probe_url" 2>/dev/null || rc=$?
  if ((rc != 0)); then
    note "$t" "plugin-install: $probe_url unreachable (curl exit $rc)"
    return 1
  fi
  log "$t: pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION ..."
  rc=0
  timeout "$DOWNLOAD_TIMEOUT" "$pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" >&2 || rc=$?
  if ((rc != 0)); then
    note "$t" "plugin-install: pulumi plugin install failed (exit $rc)"
    return 1
  fi
  built
  from_plugin_cache
}

# acquire TOOL — steps env, path, cache, download; 1 if only a build can provide it.
acquire() {
  local t="$1"
  if [[ "$t" == pulumi-resource-kubernetes ]]; then
    from_env_or_path "$t" || from_plugin_cache || from_cache "$t" ||
      QUIET_FAIL=1 timed "$t v$K8S_PROVIDER_VERSION (plugin install)" plugin_install
    return
  fi
  from_env_or_path "$t" || from_cache "$t" || QUIET_FAIL=1 timed "$t $(tool_version "$t") (download)" download "$t"
}

# ---------------------------------------------------------------------------------------------
# Source builds.

# -mod=mod lets `go build` in a helper module fill in go.mod/go.sum as it resolves imports;
# keep whatever the caller set (e.g. -buildvcs=false, needed when building outside a VCS checkout).
# hack/goflags.sh's compiler flags (no DWARF; no inlining in generated code) are the ones the tests and the program
# build with, so the packages the tools share with them compile once.
# Under make they are in GOFLAGS already (the Makefile exports them as DIGIT_GOFLAGS too).
: "${DIGIT_GOFLAGS:=$(bash "$(dirname "${BASH_SOURCE[0]}")/goflags.sh")}"
export GOFLAGS="${GOFLAGS:-} -mod=mod -buildvcs=false"
[[ " $GOFLAGS " == *" $DIGIT_GOFLAGS "* ]] || GOFLAGS+=" $DIGIT_GOFLAGS"
# Use the installed toolchain; a toolchain download would go to the proxy and is not wanted.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# A cold build is compile-bound: a less eager GC makes the compiler ~18 % faster for ~2.4 GB peak per process.
export GOGC="${GOGC:-200}"
# No symbol table and no DWARF: nobody debugs these binaries, and it shortens every (large) link. (DWARF the
# linker would drop is not generated in the first place: -dwarf=false in GOFLAGS.)
STRIP="-s -w"

# helper_module NAME — make an empty module to build a tool from; prints its directory.
helper_module() {
  local d="$WORK/$1"
  mkdir -p "$d" && (cd "$d" && go mod init "digit-iac-tools/$1" >/dev/null 2>&1) || return 1
  echo "$d"
}

build_pulumi() {
  log "building pulumi $PULUMI_VERSION ..."
  local m; m="$(helper_module pulumi)" || return 1
  # pkg/v3's go.mod replaces atotto/clipboard; `go install pkg@version` refuses modules with
  # replaces, and replaces of dependencies are ignored, so repeat it in the helper module.
  # disable_grpc_modules: no GCS-over-gRPC state backend (144 packages, ~12 % of the build; file:// and the
  # Pulumi Cloud backends are unaffected).
  (cd "$m" &&
    go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
      -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e &&
    # Unstamped, `pulumi version` prints nothing and the Automation API cannot parse it.
    go build -o "$m/pulumi" -tags disable_grpc_modules \
      -ldflags "$STRIP -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) || return 1
  install_bin "$m/pulumi" "$(cache_path pulumi)"
}

build_langhost() {
  # Must be called pulumi-language-go and be on PATH: the CLI looks for it there for `runtime: go`.
  log "building pulumi-language-go $LANGHOST_VERSION ..."
  local m; m="$(helper_module langhost)" || return 1
  # sdk/v3@v3.62.0 pins golang.org/x/text in a replace; copy it, as for pkg above.
  (cd "$m" &&
    go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$LANGHOST_VERSION" \
      -replace=golang.org/x/text=golang.org/x/text@v0.3.6 &&
    go build -o "$m/pulumi-language-go" \
      -ldflags "$STRIP -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VERSION" \
      github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go) || return 1
  install_bin "$m/pulumi-language-go" "$DIR/pulumi-language-go-$LANGHOST_VERSION/bin/pulumi-language-go"
}

build_k8s_provider() {
  log "building pulumi-resource-kubernetes $K8S_PROVIDER_VERSION ..."
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  local src
  src="$(go mod download -json "$mod@$K8S_PROVIDER_MODVERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || { log "cannot download $mod@$K8S_PROVIDER_MODVERSION"; return 1; }
  # main.go go:embeds schema-embed.json / terraform-mapping-embed.json, which are generated
  # (not shipped) — so generate them in a writable copy of the module.
  local copy="$WORK/provider"
  cp -r "$src" "$copy" && chmod -R u+w "$copy" || return 1
  # The copy's go.mod replaces sdk/v4 with ../sdk, which does not exist outside the upstream
  # repo; drop it so `go run generate.go` can load the module graph (sdk/v4 v4.24.0 from the proxy).
  (cd "$copy" && go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4) || return 1
  (cd "$copy/cmd/pulumi-resource-kubernetes" && VERSION="$K8S_PROVIDER_VERSION" go run generate.go) || return 1
  local m; m="$(helper_module k8sprovider)" || return 1
  (cd "$m" &&
    go mod edit -require="$mod@$K8S_PROVIDER_MODVERSION" -replace="$mod=$copy" &&
    # The version stamp is what the provider reports to the engine (and in its schema).
    go build -o "$m/pulumi-resource-kubernetes" \
      -ldflags "$STRIP -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION" \
      "$mod/cmd/pulumi-resource-kubernetes") || return 1
  install_bin "$m/pulumi-resource-kubernetes" "$(cache_path pulumi-resource-kubernetes)"
}

# kube_helper_module NAME — a helper module on k8s.io/kubernetes with its staging modules at their published
# versions (upstream requires them at v0.0.0 and replaces them with ./staging/..., which does not apply to us).
kube_helper_module() {
  local gomod m
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || { log "cannot download k8s.io/kubernetes@$KUBE_VERSION"; return 1; }
  m="$(helper_module "$1")" || return 1
  local args=(-require="k8s.io/kubernetes@$KUBE_VERSION") s
  while read -r s; do
    args+=(-replace="$s=$s@$KUBE_STAGING_VERSION")
  done < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$gomod")
  (cd "$m" && go mod edit "${args[@]}") || return 1
  echo "$m"
}

# Unstamped, /version reports v0.0.0-master and pulumi-kubernetes then treats the cluster as
# pre-1.24 (its ServiceAccount await waits forever for a token Secret). Stamp both the
# server side (component-base) and the client side (client-go).
kube_ldflags() {
  local ld="$STRIP" p mm="${KUBE_VERSION#v}"
  mm="${mm%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=${mm%%.*} -X $p.gitMinor=${mm#*.} -X $p.gitTreeState=clean"
  done
  echo "$ld"
}

# build_kube_group TOOL... — etcd, the Kubernetes binaries and kwok share most of their dependency graph
# (client-go, apiserver, grpc, otel, etcd's client): build them in one module and one `go build`, so every
# shared package compiles once and one binary's link overlaps the next one's compile. kube-apiserver requires
# etcd's server module at the pinned version already; kwok is built against exactly kube's module versions
# (each one pinned by a replace) so the Kubernetes binaries come out as they would alone.
build_kube_group() {
  log "building $* (one module, one go build) ..."
  local m pkgs=() t
  m="$(kube_helper_module kube-group)" || return 1
  for t in "$@"; do
    case "$t" in
      etcd) pkgs+=(go.etcd.io/etcd/server/v3) ;;
      kwok) pkgs+=(sigs.k8s.io/kwok/cmd/kwok) ;;
      *) pkgs+=("k8s.io/kubernetes/cmd/$t") ;;
    esac
  done
  if [[ " $* " == *" etcd "* ]]; then
    (cd "$m" && go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION") || return 1
  fi
  if [[ " $* " == *" kwok "* ]]; then
    local pins=() p v
    while read -r p v; do
      [[ -n "$v" ]] && pins+=(-replace="$p=$p@$v")
    done < <(cd "$m" && go list -m -f '{{if not .Main}}{{.Path}} {{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}{{end}}' all)
    (cd "$m" && go mod edit "${pins[@]}" -require="sigs.k8s.io/kwok@$KWOK_VERSION") || return 1
  fi
  mkdir -p "$m/out"
  (cd "$m" && go build -o "$m/out/" -ldflags "$(kube_ldflags)" "${pkgs[@]}") || return 1
  for t in "$@"; do
    local b="$m/out/$t"
    # go build names go.etcd.io/etcd/server/v3's binary after "server" (a /vN suffix is skipped).
    [[ "$t" == etcd ]] && b="$m/out/server"
    [[ -f "$b" ]] || { log "go build left no binary for $t ($b)"; return 1; }
    install_bin "$b" "$(cache_path "$t")" || return 1
  done
}

# The recipes one by one: the fallback should the group build fail.
build_kube_one() {
  log "building $1 $KUBE_VERSION (alone) ..."
  local m
  m="$(kube_helper_module "kube-$1")" || return 1
  (cd "$m" && go build -o "$m/$1" -ldflags "$(kube_ldflags)" "k8s.io/kubernetes/cmd/$1") || return 1
  install_bin "$m/$1" "$(cache_path "$1")"
}
build_etcd() {
  log "building etcd $ETCD_VERSION (alone) ..."
  local m; m="$(helper_module etcd)" || return 1
  # server/v3 replaces its sibling modules with ../<dir>; use their published versions instead.
  local v=$ETCD_VERSION v2=v2.305.${ETCD_VERSION##*.}
  if (cd "$m" &&
    go mod edit -require="go.etcd.io/etcd/server/v3@$v" \
      -replace="go.etcd.io/etcd/api/v3=go.etcd.io/etcd/api/v3@$v" \
      -replace="go.etcd.io/etcd/client/pkg/v3=go.etcd.io/etcd/client/pkg/v3@$v" \
      -replace="go.etcd.io/etcd/client/v2=go.etcd.io/etcd/client/v2@$v2" \
      -replace="go.etcd.io/etcd/client/v3=go.etcd.io/etcd/client/v3@$v" \
      -replace="go.etcd.io/etcd/pkg/v3=go.etcd.io/etcd/pkg/v3@$v" \
      -replace="go.etcd.io/etcd/raft/v3=go.etcd.io/etcd/raft/v3@$v" &&
    go build -o "$m/etcd" -ldflags "$STRIP" go.etcd.io/etcd/server/v3); then
    install_bin "$m/etcd" "$(cache_path etcd)"
    return
  fi
  # Fallback: Debian's etcd (3.4) also works with a 1.33 apiserver, only noisier.
  log "etcd $ETCD_VERSION build failed; falling back to Debian etcd-server"
  if ! command -v etcd >/dev/null && [[ ! -x /usr/bin/etcd ]]; then
    apt-get update -qq && apt-get install -y -qq etcd-server || return 1
  fi
  mkdir -p "$DIR/etcd-debian/bin" && ln -sf /usr/bin/etcd "$DIR/etcd-debian/bin/etcd" || return 1
  built
}
build_kwok() {
  log "building kwok $KWOK_VERSION (alone) ..."
  # kwok's go.mod has no replaces, so a plain `go install` works.
  mkdir -p "$WORK/kwok"
  GOBIN="$WORK/kwok" GOFLAGS="${GOFLAGS/-mod=mod/}" go install -ldflags "$STRIP" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" || return 1
  install_bin "$WORK/kwok/kwok" "$(cache_path kwok)"
}
build_kube_tools() {
  timed "kube group ($*)" build_kube_group "$@" && return 0
  log "the group build failed; building one at a time"
  local t
  for t in "$@"; do
    case "$t" in
      etcd) timed "etcd $ETCD_VERSION" build_etcd ;;
      kwok) timed "kwok $KWOK_VERSION" build_kwok ;;
      *) timed "$t $KUBE_VERSION" build_kube_one "$t" ;;
    esac
  done
}

install_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null &&
    compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
    log "postgresql: installed"
    return
  fi
  # Debian's package also creates the `postgres` user, which localcp.sh runs the server as
  # (postgres refuses to run as root). Its own cluster/service is not used.
  log "installing postgresql (apt) ..."
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || return 1
  built
}

write_env() {
  local path="$DIR/bin:" pg
  pg="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n1 || true)"
  [[ -n "$pg" ]] && path+="$pg:"
  cat >"$DIR/env.sh.tmp" <<EOF
# Generated by hack/tools.sh — source it to put the local toolchain on PATH.
# $DIR/bin links every tool to the binary the ladder chose (ls -l it to see which).
export DIGIT_TOOLS_DIR='$DIR'
export PATH='$path'"\$PATH"
# No update nagging, and never try to download plugins (no internet): a missing plugin
# then fails at once with a clear message.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
  mv -f "$DIR/env.sh.tmp" "$DIR/env.sh"
  log "wrote $DIR/env.sh"
}

# ---------------------------------------------------------------------------------------------
total_start=$SECONDS
NEED=()
for t in "${REQUESTED[@]}"; do
  if [[ "$t" == postgresql ]]; then
    timed "postgresql (apt)" install_postgres
    continue
  fi
  acquire "$t" || NEED+=("$t")
done

if [[ ${#NEED[@]} -gt 0 && "${DIGIT_TOOLS_BUILD:-auto}" == never ]]; then
  for t in "${NEED[@]}"; do log "ERROR: $t $(tool_version "$t"): ${WHY[$t]}; and DIGIT_TOOLS_BUILD=never"; done
  exit 1
fi

# Sequential: a cold build keeps both cores busy on its own (measured 95-100% for the whole run), so building two
# tools at once gains nothing and doubles the peak memory of the big links (2-5 GB each).
kube_need=()
for t in "${NEED[@]}"; do
  log "$t $(tool_version "$t"): build (${WHY[$t]})"
  case "$t" in
    pulumi) timed "pulumi $PULUMI_VERSION" build_pulumi ;;
    pulumi-language-go) timed "pulumi-language-go $LANGHOST_VERSION" build_langhost ;;
    pulumi-resource-kubernetes) timed "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION" build_k8s_provider ;;
    *) kube_need+=("$t") ;;
  esac
done
[[ ${#kube_need[@]} -eq 0 ]] || build_kube_tools "${kube_need[@]}"
for t in "${NEED[@]}"; do
  from_cache "$t" build || { log "ERROR: $t: no binary after the build (${WHY[$t]})"; exit 1; }
done

# The fake provisioner is gone (kube-controller-manager's hostPath provisioner serves the local StorageClass);
# old builds of it are useless.
find "$DIR" -maxdepth 1 -name 'fakeprovisioner-*' -exec rm -rf {} +
write_env
log "tools ready in $((SECONDS - total_start))s; cache: $(du -sh "$DIR" 2>/dev/null | cut -f1)"
