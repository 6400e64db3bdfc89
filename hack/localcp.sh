#!/usr/bin/env bash
# hack/localcp.sh — a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) on loopback, with three kwok-simulated nodes, dynamic volumes from the controller-manager's
# hostPath provisioner, and a local Postgres: enough for the real Pulumi engine and Kubernetes provider to deploy to, with
# their await logic behaving as on a real cluster.
#
# Usage:
#   hack/localcp.sh start  <statedir>   start everything (a fresh cluster every time)
#   hack/localcp.sh stop   <statedir>   stop exactly the processes `start` recorded
#   hack/localcp.sh status <statedir>   show what runs; exit 0 only if everything is healthy
#
# `start` writes <statedir>/kubeconfig and <statedir>/env (source it: exports KUBECONFIG,
# DIGIT_PG_HOST, DIGIT_PG_PORT, DIGIT_PG_DB, DIGIT_PG_USER, DIGIT_PG_PASSWORD, DIGIT_LOCALCP_DIR).
# Its tools come from hack/tools.sh (run automatically for them; it only acquires what is missing).
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The StorageClass of the local stack (Pulumi.local.yaml's digit:storageClass), and the annotation kwok selects its
# nodes by. kube-controller-manager's in-tree hostPath provisioner (--enable-hostpath-provisioner) serves the class:
# for each claim it creates a hostPath PV under /tmp/hostpath_pv/ pre-bound to it, and deletes both on release.
# No data is written there (kwok runs no containers); it replaces a provisioner of our own and its client-go build.
STORAGE_CLASS=local-fake
PROVISIONER=kubernetes.io/host-path
KWOK_NODE_ANNOTATION=kwok.x-k8s.io/node
ZONES=(zone-a zone-b zone-c)
# Timeouts (seconds) for each readiness wait.
TIMEOUT="${DIGIT_LOCALCP_TIMEOUT:-60}"
# The simulated nodes' size (the benchmark's synthetic catalogues need bigger ones), and a file of extra kwok
# Stages (the benchmark's start-up delays; Pod stages given there replace kwok's default ones).
NODE_CPU="${DIGIT_LOCALCP_NODE_CPU:-16}"
NODE_MEMORY="${DIGIT_LOCALCP_NODE_MEMORY:-64Gi}"
NODE_PODS="${DIGIT_LOCALCP_NODE_PODS:-110}"
EXTRA_STAGES="${DIGIT_LOCALCP_KWOK_STAGES:-}"

# `|| true`: a closed stderr (e.g. piped into `head`) must not abort a stop half-way.
log() { printf '[localcp %(%H:%M:%S)T] %s\n' -1 "$*" >&2 || true; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  echo "usage: $0 start|stop|status <statedir>" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
CMD="$1"
mkdir -p "$2"
STATE="$(cd "$2" && pwd)"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
PKI="$STATE/pki"

# ---------------------------------------------------------------------------------------------
# Process bookkeeping. <statedir>/pids holds "name pid executable" per line. `stop` only signals a
# PID whose /proc/<pid>/exe is still that executable, so a recycled PID is never killed.

pid_alive() { # PID EXE
  local exe
  exe="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1
  [[ "${exe% (deleted)}" == "$2" ]]
}

# spawn NAME EXE ARGS... — start a daemon in its own session (so a Ctrl-C or hang-up of the
# caller's terminal does not reach it), logging to $LOGS/NAME.log, and record its PID.
spawn() {
  local name="$1" exe="$2"; shift 2
  exe="$(command -v "$exe")" || die "$name: executable not found on PATH"
  exe="$(readlink -f "$exe")"
  setsid "$exe" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$name $pid $exe" >>"$PIDS"
  log "started $name (pid $pid)"
}

# Stop everything recorded in $PIDS plus Postgres; safe to call at any point of a failed start.
stop_all() {
  # Resolve the link: the postgres user may not be able to pass through the statedir.
  local pgdata
  pgdata="$(readlink -f "$STATE/pg" 2>/dev/null || echo "$STATE/pg")/data"
  if [[ -f "$pgdata/postmaster.pid" ]]; then
    # pg_ctl, not a bare signal: a fast shutdown that leaves the data dir consistent.
    if runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$pgdata" -m fast -w -t 30 stop >/dev/null 2>&1; then
      log "stopped postgres (pg_ctl)"
    else
      log "pg_ctl stop failed (see $LOGS/postgres.log); signalling it instead"
    fi
  fi
  [[ -f "$PIDS" ]] || return 0
  local name pid exe alive=()
  # Reverse start order: kwok and the controllers go before the apiserver, etcd last.
  while read -r name pid exe; do
    if pid_alive "$pid" "$exe"; then
      kill -TERM "$pid" 2>/dev/null || true
      alive+=("$name:$pid:$exe")
    fi
  done < <(tac "$PIDS")
  local deadline=$((SECONDS + 20)) e
  for e in "${alive[@]}"; do
    IFS=: read -r name pid exe <<<"$e"
    while pid_alive "$pid" "$exe" && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_alive "$pid" "$exe"; then
      log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while pid_alive "$pid" "$exe"; do sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  done
  rm -f "$PIDS"
}

pg_bin() {
  local d
  d="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n1)" || true
  [[ -n "$d" ]] || die "postgresql not installed (run hack/tools.sh)"
  echo "$d"
}

# ---------------------------------------------------------------------------------------------
# free_port VAR — sets VAR to a TCP port no socket holds and that we have not handed out yet, taken from outside the kernel's
# ephemeral range (ip_local_port_range). Inside that range any outgoing connection (the engine, kubectl, the tests'
# clients) can be given the port between this check and the daemon's bind: CI once saw etcd die with "bind: address
# already in use" that way. A tiny race with programs that bind fixed ports remains; every daemon is health-checked.
USED_PORTS=" "
PORT_LO="" PORT_HI=""
port_range() {
  local eph_lo eph_hi
  read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range || die "cannot read /proc/sys/net/ipv4/ip_local_port_range"
  # 2000 ports at least, so that random picks rarely meet.
  if ((eph_lo - 10000 >= 2000)); then PORT_LO=10000 PORT_HI=$((eph_lo - 1))
  elif ((65535 - eph_hi >= 2000)); then PORT_LO=$((eph_hi + 1)) PORT_HI=65535
  else die "the ephemeral port range $eph_lo-$eph_hi (net.ipv4.ip_local_port_range) leaves no 2000 ports free above 10000 to listen on"
  fi
}
# It assigns rather than prints: in a $(...) subshell the record of ports handed out would be lost.
free_port() {
  local p
  [[ -n "$PORT_LO" ]] || port_range
  while :; do
    p=$((PORT_LO + (RANDOM * 32768 + RANDOM) % (PORT_HI - PORT_LO + 1)))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    # Any state, not only LISTEN: a connected socket on the port makes a later bind fail too.
    ss -Htan "sport = :$p" | grep -q . && continue
    USED_PORTS+="$p "
    printf -v "$1" '%s' "$p"
    return
  done
}

# wait_for NAME DESCRIPTION CMD... — poll CMD until it succeeds; fail fast if NAME's process
# died, and give up after $TIMEOUT seconds.
wait_for() {
  poll "$@" || die "$1 exited while waiting for $2"
}

# poll NAME DESCRIPTION CMD... — wait_for, but return 1 when NAME's process died (the caller may start it again).
poll() {
  local name="$1" what="$2"; shift 2
  local deadline=$((SECONDS + TIMEOUT)) pid exe
  CURRENT="$name"
  while ! "$@" >/dev/null 2>&1; do
    if [[ "$name" != postgres ]]; then
      read -r _ pid exe < <(grep "^$name " "$PIDS")
      pid_alive "$pid" "$exe" || return 1
    fi
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.2
  done
  log "$what: ok"
}

# kwok v0.7.0 can crash as it starts ("concurrent map writes"): each of its stage controllers builds its CEL
# environment on its first object, and easycel v0.6.0 fills a package-level map without a lock, so two kinds'
# first objects at once can kill it. A built environment is kept, so the crash does not come back once kwok has
# seen every kind; a new start gets past it. kwok keeps no state of its own (the nodes and their Leases live on the
# apiserver), so starting it again loses nothing.
KWOK_STARTS=3

# wait_for_kwok DESCRIPTION CMD... — wait_for kwok, starting it again (up to KWOK_STARTS in all) if it exited.
wait_for_kwok() {
  local what="$1"; shift
  while ! poll kwok "$what" "$@"; do
    log "kwok (start $KWOK_STARTED) exited while waiting for $what; its log's last lines:"
    tail -n 3 "$LOGS/kwok.log" | sed 's/^/    /' >&2
    mv -f "$LOGS/kwok.log" "$LOGS/kwok.$KWOK_STARTED.log"
    ((KWOK_STARTED < KWOK_STARTS)) || die "kwok exited $KWOK_STARTED times (logs: $LOGS/kwok.*.log)"
    KWOK_STARTED=$((KWOK_STARTED + 1))
    sed -i '/^kwok /d' "$PIDS"
    spawn_kwok
  done
}

# spawn_kwok — start kwok (it simulates the kubelets of annotated nodes only, and LB status via stages).
# --node-lease-duration-seconds: kwok v0.7's default is 0, which means no node Leases *and* only a rare status
# heartbeat, so every ~50 s the node-lifecycle controller marks all nodes NotReady and their Pods not ready
# (Service endpoints flip, Pulumi's await then hangs). With a lease duration, kwok renews node Leases and heartbeats
# status as a kubelet does.
spawn_kwok() {
  spawn kwok kwok --kubeconfig="$STATE/kubeconfig" --config="$STATE/kwok.yaml" \
    --node-lease-duration-seconds=40 \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector="$KWOK_NODE_ANNOTATION=fake" \
    --server-address="127.0.0.1:$KWOK_PORT" --cidr=10.244.0.1/16 --node-ip=127.0.0.1
}

# ---------------------------------------------------------------------------------------------
gen_pki() {
  mkdir -p "$PKI"
  # A CA of our own so the kubeconfig can verify the apiserver (no insecure-skip-tls-verify).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=digit-localcp-ca" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=kube-apiserver" -keyout "$PKI/apiserver.key" -out "$PKI/apiserver.csr" 2>/dev/null
  printf '%s\n' \
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >"$PKI/apiserver.ext"
  openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -extfile "$PKI/apiserver.ext" -out "$PKI/apiserver.crt" 2>/dev/null
  # Front-proxy CA: published in kube-system/extension-apiserver-authentication for the
  # controller-manager's and scheduler's delegated authentication (else they log an error per second).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=digit-localcp-front-proxy-ca" -keyout "$PKI/front-proxy-ca.key" -out "$PKI/front-proxy-ca.crt" 2>/dev/null
  # Service-account token signing key (apiserver signs, controller-manager issues tokens).
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
  chmod 600 "$PKI"/*.key
}

# Static bearer tokens: admin is in system:masters; the controller-manager and scheduler get their
# real identities so the bootstrap RBAC roles apply to them as on a real cluster.
gen_tokens() {
  ADMIN_TOKEN="$(openssl rand -hex 24)"
  CM_TOKEN="$(openssl rand -hex 24)"
  SCHED_TOKEN="$(openssl rand -hex 24)"
  {
    echo "$ADMIN_TOKEN,admin,uid-admin,\"system:masters\""
    echo "$CM_TOKEN,system:kube-controller-manager,uid-kcm"
    echo "$SCHED_TOKEN,system:kube-scheduler,uid-ksched"
  } >"$PKI/tokens.csv"
  chmod 600 "$PKI/tokens.csv"
}

# write_kubeconfig FILE USER TOKEN
write_kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: digit-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $2
  user:
    token: $3
contexts:
- name: digit-local
  context:
    cluster: digit-local
    user: $2
current-context: digit-local
EOF
  chmod 600 "$1"
}

# kwok stages beyond its defaults for Nodes and Pods (which it keeps, as none are given here).
# Nothing implements load balancers here, and Pulumi waits for status.loadBalancer.ingress of
# every Ingress and LoadBalancer Service: give them a loopback address, as a cloud LB would.
write_kwok_config() {
  cat >"$STATE/kwok.yaml" <<'EOF'
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ingress-load-balancer
spec:
  resourceRef:
    apiGroup: networking.k8s.io/v1
    kind: Ingress
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.loadBalancer.ingress'
      operator: 'DoesNotExist'
  next:
    patches:
    - subresource: status
      root: status
      type: merge
      template: |
        loadBalancer:
          ingress:
          - ip: 127.0.0.1
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: service-load-balancer
spec:
  resourceRef:
    apiGroup: v1
    kind: Service
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.spec.type'
      operator: 'In'
      values:
      - LoadBalancer
    - key: '.status.loadBalancer.ingress'
      operator: 'DoesNotExist'
  next:
    patches:
    - subresource: status
      root: status
      type: merge
      template: |
        loadBalancer:
          ingress:
          - ip: 127.0.0.1
            ipMode: VIP
EOF
  if [[ -n "$EXTRA_STAGES" ]]; then
    [[ -r "$EXTRA_STAGES" ]] || die "DIGIT_LOCALCP_KWOK_STAGES=$EXTRA_STAGES: not a readable file"
    { echo "---"; cat "$EXTRA_STAGES"; } >>"$STATE/kwok.yaml"
  fi
}

# Three m4.large-like nodes, one per zone (topology spread and zone affinity see three zones).
nodes_yaml() {
  local i zone name
  for i in "${!ZONES[@]}"; do
    zone="${ZONES[$i]}"
    name="kwok-node-$zone"
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    $KWOK_NODE_ANNOTATION: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $name
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: kwok-16x64
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: $zone
    type: kwok
spec: {}
status:
  # Sized to hold the whole catalogue, municipal modules included, on three simulated nodes: kwok runs no
  # containers, so the size only has to satisfy the scheduler (Pulumi.local.yaml's digit:nodes says the same).
  allocatable: {cpu: "$NODE_CPU", memory: $NODE_MEMORY, pods: "$NODE_PODS", ephemeral-storage: 200Gi}
  capacity: {cpu: "$NODE_CPU", memory: $NODE_MEMORY, pods: "$NODE_PODS", ephemeral-storage: 200Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
EOF
  done
}

storageclass_yaml() {
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: $STORAGE_CLASS
  annotations:
    # Default class, like gp2/gp3 on EKS, so claims without a class are served as well.
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: $PROVISIONER
reclaimPolicy: Delete
volumeBindingMode: Immediate
allowVolumeExpansion: true
EOF
}

# ---------------------------------------------------------------------------------------------
# prepare_postgres — data dir, passwords, and initdb started in the background (it is the slow
# part, ~2 s) so that it overlaps the apiserver's start-up; start_postgres finishes the job.
PG_INIT_JOB=""
# The whole catalogue's pools at their autoscaling maxima (the stacks' connection budget) fit in this.
PG_MAX_CONNECTIONS=1000

prepare_postgres() {
  local bin
  bin="$(pg_bin)"
  PG_ROOT="$STATE/pg"
  mkdir -p "$PG_ROOT"
  # Postgres refuses to run as root, so it runs as the Debian `postgres` user, which must be able
  # to reach its data dir. If a parent of the statedir is closed to it (e.g. /root is 0700),
  # keep the data in a private directory under /tmp and link it from the statedir.
  chmod 711 "$STATE"
  if ! runuser -u postgres -- test -x "$PG_ROOT"; then
    local real
    real="$(mktemp -d /tmp/digit-localcp-pg.XXXXXX)"
    rmdir "$PG_ROOT"
    ln -s "$real" "$PG_ROOT"
    log "postgres cannot reach $STATE; its data lives in $real (linked as $PG_ROOT)"
    # Every path handed to a postgres-run command must avoid the closed parent.
    PG_ROOT="$real"
  fi
  chown postgres: "$PG_ROOT/" && chmod 700 "$PG_ROOT/"
  # The server log is written by the postgres user, so it lives in its directory.
  ln -sfn "$PG_ROOT/postgres.log" "$LOGS/postgres.log"

  free_port DIGIT_PG_PORT
  DIGIT_PG_PASSWORD="$(openssl rand -hex 16)"
  PG_SUPERPW="$(openssl rand -hex 16)"
  printf '%s\n' "$PG_SUPERPW" >"$PG_ROOT/superuser-password"
  chown postgres: "$PG_ROOT/superuser-password"
  chmod 600 "$PG_ROOT/superuser-password"

  # Password (scram) auth over TCP only; the Unix socket is off (see start_postgres), so nothing
  # clashes with a system cluster or another instance.
  runuser -u postgres -- "$bin/initdb" -D "$PG_ROOT/data" -U postgres --pwfile="$PG_ROOT/superuser-password" \
    --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    >"$LOGS/postgres-initdb.log" 2>&1 </dev/null &
  PG_INIT_JOB=$!
}

start_postgres() {
  local bin pgdata="$PG_ROOT/data"
  bin="$(pg_bin)"
  CURRENT=postgres
  local job="$PG_INIT_JOB"
  PG_INIT_JOB=""
  wait "$job" || {
    tail -n 25 "$LOGS/postgres-initdb.log" >&2
    die "initdb failed"
  }
  # Throw-away test data: durability settings off for speed.
  runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata" -l "$PG_ROOT/postgres.log" -w -t "$TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -c port=$DIGIT_PG_PORT -c max_connections=$PG_MAX_CONNECTIONS -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "pg_ctl start failed"
  local pid
  pid="$(head -n1 "$pgdata/postmaster.pid")"
  echo "postgres $pid $(readlink -f "$bin/postgres")" >>"$PIDS"
  log "started postgres (pid $pid, port $DIGIT_PG_PORT)"
  wait_for postgres "postgres accepting connections" "$bin/pg_isready" -h 127.0.0.1 -p "$DIGIT_PG_PORT"

  PGPASSWORD="$PG_SUPERPW" "$bin/psql" -h 127.0.0.1 -p "$DIGIT_PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -q -v pw="$DIGIT_PG_PASSWORD" >/dev/null <<'SQL' || die "creating database egov failed"
CREATE ROLE egov LOGIN PASSWORD :'pw';
CREATE DATABASE egov OWNER egov;
SQL
}

cmd_start() {
  if [[ -f "$PIDS" ]]; then
    if cmd_status >/dev/null 2>&1; then
      log "already running in $STATE"
      return 0
    fi
    log "stale state in $STATE; stopping leftovers first"
    stop_all
  fi

  # Tools: builds nothing when the cache is complete (about a second).
  # Only what the control plane runs: the engine and the provider are not needed to start it.
  "$HACK_DIR/tools.sh" postgresql etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok \
    >/dev/null 2>"$STATE/tools.log" || { tail -n 30 "$STATE/tools.log" >&2; die "hack/tools.sh failed"; }
  # shellcheck disable=SC1090,SC1091
  source "$("$HACK_DIR/tools.sh" --print-env)"

  local t0=$SECONDS
  # A fresh cluster each time: remove only what this script creates. A pg dir under /tmp
  # (see prepare_postgres) is removed through its link.
  if [[ -L "$STATE/pg" ]]; then rm -rf "$(readlink -f "$STATE/pg")"; fi
  rm -rf "${STATE:?}"/{etcd,pki,logs,pg,kubeconfig,env,kwok.yaml,nodes.yaml,storageclass.yaml,*.kubeconfig}
  mkdir -p "$LOGS"
  : >"$PIDS"

  CURRENT=""
  # Any failure from here on: stop what was started and show the failing component's log.
  trap 'rc=$?; if ((rc != 0)); then on_start_failure; fi' EXIT
  # Signals (Ctrl-C, a closed pipe on our output) do not run the EXIT trap: clean up for them too.
  trap on_start_signal INT TERM HUP PIPE

  prepare_postgres
  gen_pki
  gen_tokens
  local etcd_port etcd_peer cm_port sched_port kwok_port
  free_port etcd_port; free_port etcd_peer; free_port API_PORT
  free_port cm_port; free_port sched_port; free_port kwok_port
  log "ports: etcd=$etcd_port etcd-peer=$etcd_peer kube-apiserver=$API_PORT kube-controller-manager=$cm_port kube-scheduler=$sched_port kwok=$kwok_port postgres=$DIGIT_PG_PORT"

  write_kubeconfig "$STATE/kubeconfig" admin "$ADMIN_TOKEN"
  write_kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager "$CM_TOKEN"
  write_kubeconfig "$STATE/scheduler.kubeconfig" system:kube-scheduler "$SCHED_TOKEN"
  export KUBECONFIG="$STATE/kubeconfig"

  # --- etcd (fsync off: throw-away data, and much faster on a busy disk)
  CURRENT=etcd
  spawn etcd etcd --name=default --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="default=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level=warn
  wait_for etcd "etcd healthy" curl -fsS "http://127.0.0.1:$etcd_port/health"

  # --- kube-apiserver
  CURRENT=kube-apiserver
  # --advertise-address + --endpoint-reconciler-type=none: no endpoints error every few seconds
  # (there is no routable address for the `kubernetes` Service on loopback).
  spawn kube-apiserver kube-apiserver \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --token-auth-file="$PKI/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.96.0.0/12 --allow-privileged=true \
    --profiling=false
  wait_for kube-apiserver "kube-apiserver /readyz" \
    curl -fsS --cacert "$PKI/ca.crt" "https://127.0.0.1:$API_PORT/readyz"

  # --- kube-controller-manager (node-lifecycle removes the not-ready taint of kwok nodes;
  # the namespace controller finalises deletions; the PV controller provisions (hostPath) and binds claims).
  # A node the lifecycle controller once calls NotReady gets its Pods marked unready, and kwok never marks them
  # ready again; on a busy 2-core machine renewals can lag past the default 40 s, so the grace period is generous
  # (kwok's node Leases: see --node-lease-duration-seconds below).
  CURRENT=kube-controller-manager
  spawn kube-controller-manager kube-controller-manager \
    --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$cm_port" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --controllers='*' --leader-elect=false --profiling=false \
    --node-monitor-grace-period=5m \
    --enable-hostpath-provisioner=true

  # --- kube-scheduler
  CURRENT=kube-scheduler
  spawn kube-scheduler kube-scheduler \
    --kubeconfig="$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$sched_port" --leader-elect=false --profiling=false

  # --- kwok (spawn_kwok says how).
  CURRENT=kwok
  write_kwok_config
  KWOK_PORT="$kwok_port" KWOK_STARTED=1
  spawn_kwok

  # Postgres comes up while the controllers start.
  start_postgres

  CURRENT=kube-controller-manager
  wait_for kube-controller-manager "kube-controller-manager /healthz" \
    curl -fsSk "https://127.0.0.1:$cm_port/healthz"
  CURRENT=kube-scheduler
  wait_for kube-scheduler "kube-scheduler /healthz" curl -fsSk "https://127.0.0.1:$sched_port/healthz"
  CURRENT=kwok
  wait_for_kwok "kwok /healthz" curl -fsS "http://127.0.0.1:$kwok_port/healthz"

  CURRENT=kube-apiserver
  storageclass_yaml >"$STATE/storageclass.yaml"
  nodes_yaml >"$STATE/nodes.yaml"
  kubectl apply -f "$STATE/storageclass.yaml" -f "$STATE/nodes.yaml" >/dev/null

  CURRENT=kwok
  wait_for_kwok "3 nodes Ready" nodes_ready
  # The node-lifecycle controller lifts node.kubernetes.io/not-ready once a node is Ready;
  # until then nothing schedules.
  CURRENT=kube-controller-manager
  wait_for kube-controller-manager "node taints lifted" nodes_untainted
  # Pods are only admitted once their ServiceAccount exists.
  wait_for kube-controller-manager "default ServiceAccount" kubectl get serviceaccount default -n default

  write_env
  trap - EXIT INT TERM HUP PIPE
  log "control plane ready in $((SECONDS - t0))s — source $STATE/env"
}

nodes_ready() {
  local n
  n="$(kubectl get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$')"
  [[ "$n" -eq ${#ZONES[@]} ]]
}

nodes_untainted() {
  [[ -z "$(kubectl get nodes -l type=kwok -o jsonpath='{.items[*].spec.taints}')" ]]
}

write_env() {
  {
    echo "# Generated by hack/localcp.sh start — source it."
    printf 'export KUBECONFIG=%q\n' "$STATE/kubeconfig"
    echo "export DIGIT_PG_HOST=127.0.0.1"
    echo "export DIGIT_PG_PORT=$DIGIT_PG_PORT"
    echo "export DIGIT_PG_DB=egov"
    echo "export DIGIT_PG_USER=egov"
    echo "export DIGIT_PG_MAX_CONNECTIONS=$PG_MAX_CONNECTIONS"
    echo "export DIGIT_PG_PASSWORD=$DIGIT_PG_PASSWORD"
    printf 'export DIGIT_LOCALCP_DIR=%q\n' "$STATE"
  } >"$STATE/env"
  chmod 600 "$STATE/env"
}

on_start_failure() {
  local c="${CURRENT:-}"
  log "start failed${c:+ in $c}; stopping what was started"
  # A background initdb must finish before its directory can be cleaned up or reused.
  if [[ -n "$PG_INIT_JOB" ]]; then wait "$PG_INIT_JOB" 2>/dev/null || true; fi
  if [[ -n "$c" && -f "$LOGS/$c.log" ]]; then
    log "last lines of $LOGS/$c.log:"
    tail -n 25 "$LOGS/$c.log" >&2
  fi
  stop_all
}

on_start_signal() {
  # Our stderr may be the broken pipe: ignore SIGPIPE and errors so the cleanup completes.
  trap '' PIPE
  trap - EXIT
  set +e
  on_start_failure
  exit 130
}

cmd_stop() {
  # Finish stopping even if our output pipe closes or the caller hits Ctrl-C again.
  trap '' PIPE INT HUP
  stop_all
  log "stopped"
}

cmd_status() {
  [[ -f "$PIDS" ]] || { echo "not running (no $PIDS)"; return 1; }
  local ok=0 name pid exe
  while read -r name pid exe; do
    if pid_alive "$pid" "$exe"; then
      printf '%-24s pid %-8s running\n' "$name" "$pid"
    else
      printf '%-24s pid %-8s NOT running\n' "$name" "$pid"
      ok=1
    fi
  done <"$PIDS"
  if [[ -f "$STATE/kubeconfig" ]] && [[ -f "$PKI/ca.crt" ]]; then
    local server
    server="$(sed -n 's/^ *server: //p' "$STATE/kubeconfig")"
    if curl -fsS --max-time 3 --cacert "$PKI/ca.crt" "$server/readyz" >/dev/null 2>&1; then
      echo "kube-apiserver           $server ready"
    else
      echo "kube-apiserver           $server NOT ready"
      ok=1
    fi
  fi
  if [[ -f "$STATE/env" ]]; then
    local port
    port="$(sed -n 's/^export DIGIT_PG_PORT=//p' "$STATE/env")"
    if "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      echo "postgres                 127.0.0.1:$port accepting connections"
    else
      echo "postgres                 127.0.0.1:$port NOT accepting connections"
      ok=1
    fi
  fi
  return "$ok"
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
