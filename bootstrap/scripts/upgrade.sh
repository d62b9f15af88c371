#!/usr/bin/env bash
# Rolling K3s upgrade: preflight (etcd health/quorum, version skew, snapshot), then servers one at a
# time, then agents: cordon -> drain -> upgrade -> Ready at the new version -> uncordon. --help for usage.
set -euo pipefail
PROG=$(basename "$0")

PLAN=""
VERSION=""
DRAIN_TIMEOUT=300s
READY_TIMEOUT=600
DRY_RUN=false
VERSION_CHECK=true
KUBECTL=${KUBECTL:-kubectl}
SSH=${SSH:-ssh}
REMOTE_DIR=${REMOTE_DIR:-/opt/kosmos/bootstrap}

usage() {
  cat <<USAGE
Usage: $PROG --plan FILE [--version V] [options]

Upgrades every node in the plan (cluster/upgrade-plan.tsv from \`pnpm bootstrap render\`) to the
K3s version V (default: cluster/k3s-version beside the plan). Stops at the first failure, naming
the node and leaving it cordoned. Nodes already Ready at V are skipped, so a fixed run can resume.

Preflight: the API server's etcd check (/readyz/etcd) passes; every etcd member (nodes labelled
node-role.kubernetes.io/etcd=true, else the plan's servers) is Ready, so one at a time keeps
quorum; V skips no minor version from the server's and no node's; a snapshot is taken.

Options:
  --plan FILE            upgrade plan (lines: role<TAB>name<TAB>address; servers first)
  --version V            target K3s version, like v1.33.5+k3s1
  --kubeconfig F         kubeconfig for kubectl (default: KUBECONFIG / kubectl's default)
  --drain-timeout D      kubectl drain --timeout (default: $DRAIN_TIMEOUT); drain evicts, so PDBs hold
  --ready-timeout S      seconds to wait for Ready at V after the upgrade (default: $READY_TIMEOUT)
  --no-version-check     only wait for Ready, not for the kubelet to report V
  --dry-run              print the plan and the checks' results, change nothing
  -h, --help             this help

Hooks (replace the remote steps; each gets its arguments, and must exit 0 on success):
  UPGRADE_INSTALL_HOOK=PATH    called as PATH ROLE NODE ADDRESS VERSION to upgrade one node.
                               Default: $SSH root@ADDRESS $REMOTE_DIR/scripts/install-ROLE.sh
                               --from $REMOTE_DIR/node --version VERSION
  UPGRADE_SNAPSHOT_HOOK=PATH   called as PATH NODE ADDRESS before the first node. Default:
                               $SSH root@ADDRESS /usr/local/sbin/kosmos-etcd-snapshot --k3s
                               --token-file /var/lib/rancher/k3s/server/token (first server)
Environment: KUBECTL, SSH (binaries), REMOTE_DIR.
USAGE
}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: %s (see --help)\n' "$PROG" "$*" >&2
  exit 2
}

# need_arg FLAG VALUE WHAT: a flag given without its value (or followed by another flag) is a usage error.
need_arg() {
  [[ -n "$2" && "$2" != --* ]] || usage_error "$1 needs $3"
}

KUBECTL_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --plan) need_arg "$1" "${2-}" 'a file'; PLAN=$2; shift 2 ;;
    --version) need_arg "$1" "${2-}" 'a value'; VERSION=$2; shift 2 ;;
    --kubeconfig) need_arg "$1" "${2-}" 'a file'; KUBECTL_ARGS=(--kubeconfig "$2"); shift 2 ;;
    --drain-timeout) need_arg "$1" "${2-}" 'a duration'; DRAIN_TIMEOUT=$2; shift 2 ;;
    --ready-timeout) need_arg "$1" "${2-}" 'seconds'; READY_TIMEOUT=$2; shift 2 ;;
    --no-version-check) VERSION_CHECK=false; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done
[[ -n "$PLAN" ]] || usage_error "--plan FILE is required"
[[ -r "$PLAN" ]] || die "plan $PLAN not readable"
if [[ -z "$VERSION" && -r "$(dirname "$PLAN")/k3s-version" ]]; then VERSION=$(<"$(dirname "$PLAN")/k3s-version"); fi
[[ "$VERSION" =~ ^v1\.([0-9]+)\.[0-9]+\+k3s[0-9]+$ ]] || usage_error "version '${VERSION}' is not like v1.33.5+k3s1"
TARGET_MINOR=${BASH_REMATCH[1]}
[[ "$READY_TIMEOUT" =~ ^[0-9]+$ ]] || usage_error "--ready-timeout must be seconds"

k() { "$KUBECTL" "${KUBECTL_ARGS[@]}" "$@"; }

# Plan: servers first (in plan order), then agents, whatever order the file lists them in.
ROLES=()
NAMES=()
ADDRS=()
for want in server agent; do
  while IFS=$'\t' read -r role name addr rest; do
    [[ -z "$role" || "$role" == \#* ]] && continue
    [[ "$role" == server || "$role" == agent ]] || die "$PLAN: bad role '$role' for '$name'"
    [[ -z "${rest:-}" && -n "$name" && -n "$addr" ]] || die "$PLAN: expected role<TAB>name<TAB>address, got '$role $name ${addr:-}'"
    [[ "$role" == "$want" ]] || continue
    ROLES+=("$role")
    NAMES+=("$name")
    ADDRS+=("$addr")
  done <"$PLAN"
done
[[ ${#NAMES[@]} -gt 0 ]] || die "$PLAN lists no nodes"

node_ready() { k get node "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
node_version() { k get node "$1" -o 'jsonpath={.status.nodeInfo.kubeletVersion}' 2>/dev/null; }
minor_of() { [[ "$1" =~ ^v?1\.([0-9]+)\. ]] && echo "${BASH_REMATCH[1]}"; }

# --- preflight -------------------------------------------------------------------------------
etcd_ok=$(k get --raw /readyz/etcd 2>&1) || die "API server etcd check failed: $etcd_ok"
[[ "$etcd_ok" == ok ]] || die "API server etcd check says: $etcd_ok"

mapfile -t members < <(k get nodes -l node-role.kubernetes.io/etcd=true -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}')
if [[ ${#members[@]} -eq 0 ]]; then
  members=()
  for i in "${!NAMES[@]}"; do [[ "${ROLES[$i]}" == server ]] && members+=("${NAMES[$i]}"); done
fi
for m in "${members[@]}"; do
  [[ "$(node_ready "$m")" == True ]] ||
    die "etcd member $m is not Ready: upgrading another server now could lose quorum (${#members[@]} members)"
done
if [[ ${#members[@]} -eq 1 ]]; then log "single etcd member: the API is down while it upgrades"; fi

server_version=$(k version -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | tail -n 1)
server_minor=$(minor_of "$server_version") || die "cannot read the API server version (got '${server_version}')"
if ((TARGET_MINOR < server_minor)); then die "$VERSION is older than the API server ($server_version): downgrades are not supported"; fi
if ((TARGET_MINOR > server_minor + 1)); then
  die "$VERSION skips a minor version from the API server's $server_version: upgrade to v1.$((server_minor + 1)) first"
fi
for n in "${NAMES[@]}"; do
  v=$(node_version "$n") || die "node $n not found in the cluster"
  [[ -n "$v" ]] || die "node $n not found in the cluster"
  if nm=$(minor_of "$v") && ((TARGET_MINOR > nm + 1)); then
    die "$VERSION skips a minor version from $n's kubelet $v"
  fi
done

log "plan: ${#NAMES[@]} node(s) to $VERSION (API server $server_version), etcd ok, ${#members[@]} etcd member(s) Ready"
for i in "${!NAMES[@]}"; do
  printf '  %d. %s %s (%s): cordon, drain (timeout %s), upgrade, wait Ready, uncordon\n' \
    $((i + 1)) "${ROLES[$i]}" "${NAMES[$i]}" "${ADDRS[$i]}" "$DRAIN_TIMEOUT"
done
if $DRY_RUN; then
  log "dry run: nothing changed"
  exit 0
fi

# --- snapshot --------------------------------------------------------------------------------
first_server=0
if [[ -n "${UPGRADE_SNAPSHOT_HOOK:-}" ]]; then
  "$UPGRADE_SNAPSHOT_HOOK" "${NAMES[$first_server]}" "${ADDRS[$first_server]}" ||
    die "snapshot before the upgrade failed on ${NAMES[$first_server]}: nothing was changed"
else
  "$SSH" "root@${ADDRS[$first_server]}" /usr/local/sbin/kosmos-etcd-snapshot --k3s \
    --token-file /var/lib/rancher/k3s/server/token ||
    die "snapshot before the upgrade failed on ${NAMES[$first_server]}: nothing was changed"
fi
log "snapshot taken on ${NAMES[$first_server]}"

# --- nodes, one at a time --------------------------------------------------------------------
stop() {
  printf '%s: error: upgrade stopped at %s %s: %s. %s is left cordoned; fix it, then re-run (done nodes are skipped) or run: kubectl uncordon %s\n' \
    "$PROG" "$1" "$2" "$3" "$2" "$2" >&2
  exit 1
}

upgrade_node() {
  local role=$1 name=$2 addr=$3 deadline ready v
  if [[ "$(node_version "$name")" == "$VERSION" && "$(node_ready "$name")" == True ]] &&
    [[ "$(k get node "$name" -o 'jsonpath={.spec.unschedulable}')" != true ]]; then
    log "$role $name: already at $VERSION, skipped"
    return 0
  fi
  log "$role $name: cordon"
  k cordon "$name" >/dev/null || stop "$role" "$name" "cordon failed"
  log "$role $name: drain"
  k drain "$name" --ignore-daemonsets --delete-emptydir-data --timeout="$DRAIN_TIMEOUT" >/dev/null ||
    stop "$role" "$name" "drain failed or timed out after $DRAIN_TIMEOUT (a PodDisruptionBudget may block it)"
  log "$role $name: upgrade to $VERSION"
  if [[ -n "${UPGRADE_INSTALL_HOOK:-}" ]]; then
    "$UPGRADE_INSTALL_HOOK" "$role" "$name" "$addr" "$VERSION" || stop "$role" "$name" "install hook failed"
  else
    "$SSH" "root@$addr" "$REMOTE_DIR/scripts/install-$role.sh" --from "$REMOTE_DIR/node" --version "$VERSION" ||
      stop "$role" "$name" "install-$role.sh failed"
  fi
  if $VERSION_CHECK; then log "$role $name: wait for Ready at $VERSION"; else log "$role $name: wait for Ready"; fi
  deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    ready=$(node_ready "$name" || true)
    v=$(node_version "$name" || true)
    if [[ "$ready" == True ]] && { ! $VERSION_CHECK || [[ "$v" == "$VERSION" ]]; }; then break; fi
    if ((SECONDS >= deadline)); then
      stop "$role" "$name" "not Ready at $VERSION after ${READY_TIMEOUT}s (Ready=${ready:-?}, kubelet ${v:-?})"
    fi
    sleep 2
  done
  log "$role $name: uncordon"
  k uncordon "$name" >/dev/null || stop "$role" "$name" "uncordon failed"
}

for i in "${!NAMES[@]}"; do
  upgrade_node "${ROLES[$i]}" "${NAMES[$i]}" "${ADDRS[$i]}"
done
log "done: ${#NAMES[@]} node(s) at $VERSION"
