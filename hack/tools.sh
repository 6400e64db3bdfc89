#!/usr/bin/env bash
# hack/tools.sh — build (once) and cache the local toolchain used to run the real
# Pulumi engine + Kubernetes provider against a local control plane (hack/localcp.sh).
#
# Usage:
#   hack/tools.sh               build whatever is missing, then write $DIR/env.sh
#   hack/tools.sh --print-env   print the path of env.sh (builds nothing)
#
# Everything lives outside the checkout under ${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac},
# one directory per tool and version (e.g. $DIR/pulumi-v3.274.1/bin/pulumi), so a version
# bump simply builds into a new directory and an existing binary is never rebuilt.
# Only the Go module proxy and Debian packages are reachable here, so every tool is built
# from source through the proxy (recipes: /work/shared/reference/toolchain-notes.md).
set -euo pipefail

DIR="${DIGIT_TOOLS_DIR:-$HOME/.cache/digit-iac}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PULUMI_VERSION=v3.274.1
# The Go language host left sdk/v3 after v3.62.0 and its new module is not on the proxy;
# the v3.62.0 host still speaks the protocol of CLI v3.274.1 (verified for preview/up/destroy).
LANGHOST_VERSION=v3.62.0
# The only provider/v4 version the proxy serves (a January 2026 commit, ~v4.25).
K8S_PROVIDER_MODVERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.25.0
KUBE_VERSION=v1.33.13
KUBE_STAGING_VERSION=v0.33.13
ETCD_VERSION=v3.5.21
KWOK_VERSION=v0.7.0

if [[ "${1:-}" == "--print-env" ]]; then
  echo "$DIR/env.sh"
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [--print-env]" >&2
  exit 2
fi

mkdir -p "$DIR/.work"
TIMES_LOG="$DIR/build-times.log"
WORK="$(mktemp -d "$DIR/.work/build.XXXXXX")"
# Helper modules and the provider copy are throw-away; the Go module and build caches keep
# what is worth keeping. (The module cache is read-only, hence the chmod.)
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# -mod=mod lets `go build` in a helper module fill in go.mod/go.sum as it resolves imports;
# keep whatever the caller set (e.g. -buildvcs=false, needed when building outside a VCS checkout).
export GOFLAGS="${GOFLAGS:-} -mod=mod -buildvcs=false"
# Use the installed toolchain; a toolchain download would go to the proxy and is not wanted.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# No symbol table and no DWARF: nobody debugs these binaries, and it shortens every (large) link.
STRIP="-s -w"

log() { printf '[tools %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# timed NAME CMD... — run a build step; if it built something (it calls `built`), log and
# record its wall-clock time in $DIR/build-times.log. Cache hits stay quiet.
BUILT=0
built() { BUILT=1; }
timed() {
  local name="$1"; shift
  local start=$SECONDS
  BUILT=0
  "$@"
  if ((BUILT)); then
    local took=$((SECONDS - start))
    log "built $name in ${took}s"
    printf '%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$name" "$took" >>"$TIMES_LOG"
  fi
}

# helper_module NAME — make an empty module to build a tool from; prints its directory.
helper_module() {
  local d="$WORK/$1"
  mkdir -p "$d"
  (cd "$d" && go mod init "digit-iac-tools/$1" >/dev/null 2>&1)
  echo "$d"
}

# install_bin SRC DEST — move a freshly built binary into place atomically, so an interrupted
# build never leaves a half-written binary that the "already built" check would accept.
install_bin() {
  built
  mkdir -p "$(dirname "$2")"
  mv -f "$1" "$2.tmp.$$"
  mv -f "$2.tmp.$$" "$2"
}

# ---------------------------------------------------------------------------------------------
build_pulumi() {
  local out="$DIR/pulumi-$PULUMI_VERSION/bin/pulumi"
  [[ -x "$out" ]] && { log "pulumi $PULUMI_VERSION: cached"; return; }
  log "building pulumi $PULUMI_VERSION ..."
  local m; m="$(helper_module pulumi)"
  # pkg/v3's go.mod replaces atotto/clipboard; `go install pkg@version` refuses modules with
  # replaces, and replaces of dependencies are ignored, so repeat it in the helper module.
  (cd "$m" &&
    go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
      -replace=github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e &&
    # Unstamped, `pulumi version` prints nothing and the Automation API cannot parse it.
    go build -o "$m/pulumi" \
      -ldflags "$STRIP -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  install_bin "$m/pulumi" "$out"
}

build_langhost() {
  # Must be called pulumi-language-go and be on PATH: the CLI looks for it there for `runtime: go`.
  local out="$DIR/pulumi-language-go-$LANGHOST_VERSION/bin/pulumi-language-go"
  [[ -x "$out" ]] && { log "pulumi-language-go $LANGHOST_VERSION: cached"; return; }
  log "building pulumi-language-go $LANGHOST_VERSION ..."
  local m; m="$(helper_module langhost)"
  # sdk/v3@v3.62.0 pins golang.org/x/text in a replace; copy it, as for pkg above.
  (cd "$m" &&
    go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$LANGHOST_VERSION" \
      -replace=golang.org/x/text=golang.org/x/text@v0.3.6 &&
    go build -o "$m/pulumi-language-go" \
      -ldflags "$STRIP -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VERSION" \
      github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go)
  install_bin "$m/pulumi-language-go" "$out"
}

build_k8s_provider() {
  local out="$DIR/pulumi-resource-kubernetes-v$K8S_PROVIDER_VERSION/bin/pulumi-resource-kubernetes"
  [[ -x "$out" ]] && { log "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION: cached"; return; }
  log "building pulumi-resource-kubernetes $K8S_PROVIDER_VERSION ..."
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  local src
  src="$(go mod download -json "$mod@$K8S_PROVIDER_MODVERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || { log "cannot download $mod@$K8S_PROVIDER_MODVERSION"; return 1; }
  # main.go go:embeds schema-embed.json / terraform-mapping-embed.json, which are generated
  # (not shipped) — so generate them in a writable copy of the module.
  local copy="$WORK/provider"
  cp -r "$src" "$copy"
  chmod -R u+w "$copy"
  # The copy's go.mod replaces sdk/v4 with ../sdk, which does not exist outside the upstream
  # repo; drop it so `go run generate.go` can load the module graph (sdk/v4 v4.24.0 from the proxy).
  (cd "$copy" && go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4)
  (cd "$copy/cmd/pulumi-resource-kubernetes" && VERSION="$K8S_PROVIDER_VERSION" go run generate.go)
  local m; m="$(helper_module k8sprovider)"
  (cd "$m" &&
    go mod edit -require="$mod@$K8S_PROVIDER_MODVERSION" -replace="$mod=$copy" &&
    # The version stamp is what the provider reports to the engine (and in its schema).
    go build -o "$m/pulumi-resource-kubernetes" \
      -ldflags "$STRIP -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION" \
      "$mod/cmd/pulumi-resource-kubernetes")
  install_bin "$m/pulumi-resource-kubernetes" "$out"
}

# build_kube_one HELPERDIR CMD LDFLAGS
build_kube_one() {
  (cd "$1" && go build -o "$1/$2" -ldflags "$STRIP $3" "k8s.io/kubernetes/cmd/$2")
  built
}

build_kubernetes() {
  local bindir="$DIR/kubernetes-$KUBE_VERSION/bin"
  local cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=() c
  for c in "${cmds[@]}"; do [[ -x "$bindir/$c" ]] || missing+=("$c"); done
  if [[ ${#missing[@]} -eq 0 ]]; then log "kubernetes $KUBE_VERSION: cached"; return; fi
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  local m; m="$(helper_module kubernetes)"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
  # ./staging/...; those replaces do not apply to us, so point each at its published version.
  local args=(-require="k8s.io/kubernetes@$KUBE_VERSION") s
  while read -r s; do
    args+=(-replace="$s=$s@$KUBE_STAGING_VERSION")
  done < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$gomod")
  (cd "$m" && go mod edit "${args[@]}")
  # Unstamped, /version reports v0.0.0-master and pulumi-kubernetes then treats the cluster as
  # pre-1.24 (its ServiceAccount await waits forever for a token Secret). Stamp both the
  # server side (component-base) and the client side (client-go).
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=33 -X $p.gitTreeState=clean"
  done
  # One binary at a time: 2 cores, and each link of these takes ~2 GB.
  for c in "${missing[@]}"; do
    log "building $c $KUBE_VERSION ..."
    timed "$c $KUBE_VERSION" build_kube_one "$m" "$c" "$ld"
    install_bin "$m/$c" "$bindir/$c"
  done
}

build_etcd() {
  local out="$DIR/etcd-$ETCD_VERSION/bin/etcd"
  [[ -x "$out" ]] && { log "etcd $ETCD_VERSION: cached"; return; }
  log "building etcd $ETCD_VERSION ..."
  local m; m="$(helper_module etcd)"
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
    install_bin "$m/etcd" "$out"
    return
  fi
  # Fallback: Debian's etcd (3.4) also works with a 1.33 apiserver, only noisier.
  log "etcd $ETCD_VERSION build failed; falling back to Debian etcd-server"
  if ! command -v etcd >/dev/null && [[ ! -x /usr/bin/etcd ]]; then
    apt-get update -qq && apt-get install -y -qq etcd-server
  fi
  mkdir -p "$DIR/etcd-debian/bin"
  ln -sf /usr/bin/etcd "$DIR/etcd-debian/bin/etcd"
  built
}

build_kwok() {
  local out="$DIR/kwok-$KWOK_VERSION/bin/kwok"
  [[ -x "$out" ]] && { log "kwok $KWOK_VERSION: cached"; return; }
  log "building kwok $KWOK_VERSION ..."
  # kwok's go.mod has no replaces, so a plain `go install` works.
  mkdir -p "$WORK/kwok"
  GOBIN="$WORK/kwok" GOFLAGS="${GOFLAGS/-mod=mod/}" go install -ldflags "$STRIP" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  install_bin "$WORK/kwok/kwok" "$out"
}

# The fake PV provisioner is our own code (hack/fakeprovisioner), built from this repo with
# its go.mod. Key the cache on its source plus the go.mod lines that matter to it (the Kubernetes
# modules and the go directive), not the whole go.mod/go.sum: those change with every dependency
# anyone adds, and each change would cost a rebuild at `localcp.sh start`.
fakeprov_dir() {
  local h
  h="$({
    cat "$REPO_ROOT/hack/fakeprovisioner/"*.go
    grep -E '^(go |[[:space:]]*(k8s\.io|sigs\.k8s\.io)/)' "$REPO_ROOT/go.mod"
  } | sha256sum | cut -c1-12)"
  echo "$DIR/fakeprovisioner-$h"
}
build_fakeprovisioner() {
  [[ -f "$REPO_ROOT/hack/fakeprovisioner/main.go" ]] || { log "hack/fakeprovisioner missing; skipped"; return; }
  local d; d="$(fakeprov_dir)"
  [[ -x "$d/bin/fakeprovisioner" ]] && { log "fakeprovisioner: cached"; return; }
  log "building fakeprovisioner ..."
  # -mod=readonly: never touch the repo's go.mod from here (other people edit it).
  (cd "$REPO_ROOT" && GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$WORK/fakeprovisioner" -ldflags "$STRIP" ./hack/fakeprovisioner)
  install_bin "$WORK/fakeprovisioner" "$d/bin/fakeprovisioner"
  # Old builds of it are useless; keep the cache tidy.
  find "$DIR" -maxdepth 1 -name 'fakeprovisioner-*' ! -path "$d" -exec rm -rf {} +
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
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  built
}

write_env() {
  local path="" d
  # Tool bin dirs first, so these win over anything preinstalled (e.g. an older /usr/bin/kubectl).
  for d in "$DIR/pulumi-$PULUMI_VERSION/bin" \
    "$DIR/pulumi-language-go-$LANGHOST_VERSION/bin" \
    "$DIR/pulumi-resource-kubernetes-v$K8S_PROVIDER_VERSION/bin" \
    "$DIR/kubernetes-$KUBE_VERSION/bin" \
    "$DIR/etcd-$ETCD_VERSION/bin" "$DIR/etcd-debian/bin" \
    "$DIR/kwok-$KWOK_VERSION/bin" \
    "$(fakeprov_dir)/bin"; do
    [[ -d "$d" ]] && path+="$d:"
  done
  local pg
  pg="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n1 || true)"
  [[ -n "$pg" ]] && path+="$pg:"
  cat >"$DIR/env.sh.tmp" <<EOF
# Generated by hack/tools.sh — source it to put the local toolchain on PATH.
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

total_start=$SECONDS
# Sequential: a cold build keeps both cores busy on its own (measured 95-100% for the whole run), so building two
# tools at once gains nothing and doubles the peak memory of the big links (2-5 GB each).
timed "postgresql (apt)" install_postgres
timed "pulumi-language-go $LANGHOST_VERSION" build_langhost
timed "etcd $ETCD_VERSION" build_etcd
timed "kwok $KWOK_VERSION" build_kwok
timed "fakeprovisioner" build_fakeprovisioner
timed "pulumi $PULUMI_VERSION" build_pulumi
build_kubernetes
timed "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION" build_k8s_provider
write_env
log "all tools ready in $((SECONDS - total_start))s; cache: $(du -sh "$DIR" | cut -f1)"
