#!/usr/bin/env bash
# Shared by install-server.sh and install-agent.sh; sourced, not run. See bootstrap/README.md.
#
# Installs one node from its rendered directory (`pnpm bootstrap render` -> nodes/<name>/):
#   1. the cluster token file (0600): already on the node, or written once from the variable
#      named by KOSMOS_TOKEN_ENV; never passed on a command line or written to an env file;
#   2. rootfs/** copied into place with its mode (0600 configs, 0700 scripts, 0644 units);
#   3. K3s at the pinned version (get.k3s.io installer, or air-gapped with INSTALL_K3S_SKIP_DOWNLOAD);
#   4. services (re)started only for what changed. Running it twice changes nothing.

# shellcheck disable=SC2034 # variables are read by the sourcing script
KOSMOS_ROLE_EXPECTED=${KOSMOS_ROLE_EXPECTED:?sourcing script must set KOSMOS_ROLE_EXPECTED}

FROM=""
VERSION=""
AIRGAP=""
ROOT="/"
DRY_RUN=false
CHANGED=()

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

install_usage() {
  cat <<USAGE
Usage: $PROG --from DIR [--version V] [--airgap DIR] [--root DIR] [--dry-run]

Installs K3s as ${KOSMOS_ROLE_EXPECTED} on this node from the directory rendered for it by
\`pnpm bootstrap render --env ENV\` (nodes/<name>/: node.env and rootfs/). Idempotent.

  --from DIR     rendered node directory (cloud-init stages it at /opt/kosmos/bootstrap/node)
  --version V    K3s version to install (default: KOSMOS_K3S_VERSION from DIR/node.env)
  --airgap DIR   no download: DIR holds the k3s binary, the images tarball(s) (*.tar, *.tar.gz,
                 *.tar.zst) and the get.k3s.io install.sh; uses INSTALL_K3S_SKIP_DOWNLOAD=true
  --root DIR     install under DIR instead of / (tests); no systemctl, needs K3S_INSTALL_SCRIPT
  --dry-run      print what would change, change nothing
  -h, --help     this help

Environment:
  K3S_INSTALL_SCRIPT  path of the K3s install script (default: --airgap DIR/install.sh, else
                      downloaded from https://get.k3s.io)
  <KOSMOS_TOKEN_ENV>  when node.env names a token variable and the token file is absent, the
                      token is read from that variable (never echoed) and written 0600.
USAGE
}

parse_install_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --from) need_arg "$1" "${2-}" 'a directory'; FROM=$2; shift 2 ;;
      --version) need_arg "$1" "${2-}" 'a value'; VERSION=$2; shift 2 ;;
      --airgap) need_arg "$1" "${2-}" 'a directory'; AIRGAP=$2; shift 2 ;;
      --root) need_arg "$1" "${2-}" 'a directory'; ROOT=$2; shift 2 ;;
      --dry-run) DRY_RUN=true; shift ;;
      -h | --help) install_usage; exit 0 ;;
      *) usage_error "unknown argument: $1" ;;
    esac
  done
  [[ -n "$FROM" ]] || usage_error "--from DIR is required"
  [[ -f "$FROM/node.env" ]] || die "$FROM/node.env not found: --from must be a rendered node directory"
  [[ -d "$FROM/rootfs" ]] || die "$FROM/rootfs not found: --from must be a rendered node directory"
  ROOT=${ROOT%/}
  if [[ -n "$ROOT" && "$ROOT" != "/" ]]; then
    [[ -d "$ROOT" ]] || die "--root $ROOT is not a directory"
  fi
}

# Reads KOSMOS_* assignments from node.env without executing it.
load_node_env() {
  local line key value
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^(KOSMOS_[A-Z0-9_]+)=(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    printf -v "$key" '%s' "$value"
  done <"$FROM/node.env"
  [[ "${KOSMOS_ROLE:-}" == "$KOSMOS_ROLE_EXPECTED" ]] ||
    die "$FROM is rendered for a ${KOSMOS_ROLE:-?} node ($KOSMOS_NODE_NAME); use install-${KOSMOS_ROLE:-?}.sh"
  [[ -n "${KOSMOS_TOKEN_FILE:-}" ]] || die "$FROM/node.env has no KOSMOS_TOKEN_FILE"
  VERSION=${VERSION:-${KOSMOS_K3S_VERSION:-}}
  [[ "$VERSION" =~ ^v1\.[0-9]+\.[0-9]+\+k3s[0-9]+$ ]] || die "K3s version '${VERSION}' is not like v1.33.5+k3s1"
}

# Mode of an installed file, by its path on the node (same rules as installMode() in render.ts).
mode_for() {
  case "$1" in
    /etc/systemd/system/*) echo 0644 ;;
    *.sh | /usr/local/sbin/*) echo 0700 ;;
    *) echo 0600 ;;
  esac
}

# install_file SRC DEST MODE: copies when content or mode differ; records DEST in CHANGED.
install_file() {
  local src=$1 dest=$2 mode=$3 target="${ROOT%/}$2" state
  if [[ -f "$target" ]] && cmp -s "$src" "$target"; then
    if [[ "$(stat -c '%a' "$target")" == "${mode#0}" ]]; then
      return 0
    fi
    state="mode"
  elif [[ -e "$target" ]]; then
    state="changed"
  else
    state="new"
  fi
  CHANGED+=("$dest")
  if $DRY_RUN; then
    log "would install $dest ($mode, $state)"
    return 0
  fi
  install -D -m "$mode" -o root -g root "$src" "$target.kosmos-tmp"
  mv -f "$target.kosmos-tmp" "$target"
  log "installed $dest ($mode, $state)"
}

install_token() {
  local target="${ROOT%/}$KOSMOS_TOKEN_FILE" name=${KOSMOS_TOKEN_ENV:-} value=""
  if [[ -n "$name" ]]; then
    value=${!name:-}
  fi
  if [[ -s "$target" ]]; then
    if [[ -n "$value" && "$(<"$target")" != "$value" ]]; then
      die "$KOSMOS_TOKEN_FILE already holds a different token than \$$name: refusing to replace a cluster token"
    fi
    if [[ "$(stat -c '%a' "$target")" != "600" ]]; then
      CHANGED+=("$KOSMOS_TOKEN_FILE")
      if $DRY_RUN; then log "would chmod 0600 $KOSMOS_TOKEN_FILE"; else chmod 0600 "$target"; fi
    fi
    return 0
  fi
  if [[ -z "$value" ]]; then
    if [[ -n "$name" ]]; then
      die "token file $KOSMOS_TOKEN_FILE is missing and \$$name is empty: provide one of them"
    fi
    die "token file $KOSMOS_TOKEN_FILE is missing: provision it (0600, root) before installing"
  fi
  CHANGED+=("$KOSMOS_TOKEN_FILE")
  if $DRY_RUN; then
    log "would write $KOSMOS_TOKEN_FILE (0600) from \$$name"
    return 0
  fi
  mkdir -p "$(dirname "$target")"
  (
    umask 077
    printf '%s\n' "$value" >"$target.kosmos-tmp"
  )
  mv -f "$target.kosmos-tmp" "$target"
  log "wrote $KOSMOS_TOKEN_FILE (0600) from \$$name"
}

install_rootfs() {
  local src rel
  while IFS= read -r -d '' src; do
    rel=${src#"$FROM/rootfs"}
    install_file "$src" "$rel" "$(mode_for "$rel")"
  done < <(find "$FROM/rootfs" -type f -print0 | sort -z)
}

# The K3s version installed under ROOT, or empty.
installed_k3s_version() {
  local bin="${ROOT%/}/usr/local/bin/k3s"
  [[ -x "$bin" ]] || return 0
  "$bin" --version 2>/dev/null | awk 'NR == 1 { print $3 }'
}

changed_under() {
  local prefix=$1 f
  for f in "${CHANGED[@]}"; do
    [[ "$f" == "$prefix"* ]] && return 0
  done
  return 1
}

run_systemctl() {
  if [[ -n "$ROOT" && "$ROOT" != "/" ]]; then
    log "skipped (--root): systemctl $*"
    return 0
  fi
  if $DRY_RUN; then
    log "would run: systemctl $*"
    return 0
  fi
  systemctl "$@"
}

install_k3s() {
  local service=$1 current installer images img
  current=$(installed_k3s_version)
  if [[ "$current" == "$VERSION" ]]; then
    if changed_under /etc/rancher/k3s/ || changed_under "$KOSMOS_TOKEN_FILE"; then
      log "k3s $VERSION already installed; configuration changed: restarting $service"
      run_systemctl restart "$service"
    fi
    return 0
  fi
  installer=${K3S_INSTALL_SCRIPT:-}
  if [[ -z "$installer" && -n "$AIRGAP" ]]; then installer="$AIRGAP/install.sh"; fi
  if [[ -n "$ROOT" && "$ROOT" != "/" && -z "$installer" ]]; then
    die "--root needs K3S_INSTALL_SCRIPT (a stand-in installer): refusing to install K3s on this machine"
  fi
  CHANGED+=("k3s")
  if $DRY_RUN; then
    log "would install k3s $VERSION (installed: ${current:-none}) as $service${AIRGAP:+, air-gapped from $AIRGAP}"
    return 0
  fi
  local -a env_args=("INSTALL_K3S_VERSION=$VERSION" "INSTALL_K3S_EXEC=$KOSMOS_ROLE_EXPECTED")
  if [[ -n "$AIRGAP" ]]; then
    [[ -x "$AIRGAP/k3s" ]] || die "--airgap $AIRGAP has no executable k3s binary"
    install_file "$AIRGAP/k3s" /usr/local/bin/k3s 0755
    shopt -s nullglob
    images=("$AIRGAP"/*.tar "$AIRGAP"/*.tar.gz "$AIRGAP"/*.tar.zst)
    shopt -u nullglob
    [[ ${#images[@]} -gt 0 ]] || die "--airgap $AIRGAP has no images tarball (*.tar, *.tar.gz, *.tar.zst)"
    for img in "${images[@]}"; do
      install_file "$img" "/var/lib/rancher/k3s/agent/images/$(basename "$img")" 0600
    done
    env_args+=("INSTALL_K3S_SKIP_DOWNLOAD=true")
  fi
  if [[ -z "$installer" ]]; then
    installer=$(mktemp)
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -f '$installer'" EXIT
    curl -sfL https://get.k3s.io -o "$installer" || die "could not download the K3s installer from https://get.k3s.io (use --airgap)"
  fi
  [[ -r "$installer" ]] || die "K3s installer $installer not readable"
  log "installing k3s $VERSION (installed: ${current:-none})"
  # The token and its variable are removed from the installer's environment: the installer copies
  # K3S_* variables into the service env file, and the token must only live in the token file.
  local -a unset_args=(-u K3S_TOKEN -u K3S_AGENT_TOKEN -u K3S_URL)
  if [[ -n "${KOSMOS_TOKEN_ENV:-}" ]]; then unset_args+=(-u "$KOSMOS_TOKEN_ENV"); fi
  env "${unset_args[@]}" KOSMOS_ROOT="$ROOT" "${env_args[@]}" sh "$installer" ||
    die "K3s installer failed for $VERSION"
}

# After files changed: reload units, enable the snapshot timer and keepalived where rendered.
apply_services() {
  if changed_under /etc/systemd/system/; then
    run_systemctl daemon-reload
    if [[ -f "$FROM/rootfs/etc/systemd/system/kosmos-etcd-snapshot.timer" ]]; then
      run_systemctl enable --now kosmos-etcd-snapshot.timer
    fi
  fi
  if [[ -f "$FROM/rootfs/etc/keepalived/keepalived.conf" ]] && changed_under /etc/keepalived/; then
    run_systemctl enable keepalived
    run_systemctl restart keepalived
  fi
}

# Files keepalived.conf includes (the VRRP password) must exist before keepalived is started.
check_keepalived_prereqs() {
  local conf="$FROM/rootfs/etc/keepalived/keepalived.conf" inc
  [[ -f "$conf" ]] || return 0
  if [[ -z "$ROOT" || "$ROOT" == "/" ]] && ! $DRY_RUN; then
    command -v keepalived >/dev/null || die "keepalived is not installed (apt-get install keepalived)"
  fi
  while read -r inc; do
    [[ -f "${ROOT%/}$inc" ]] || die "keepalived.conf includes $inc, which is missing: provision it (0600, one line: auth_pass <password>)"
  done < <(awk '$1 == "include" { print $2 }' "$conf")
}

run_install() {
  local service=$1
  load_node_env
  log "node ${KOSMOS_NODE_NAME} (${KOSMOS_ROLE}), k3s ${VERSION}${ROOT:+, root ${ROOT:-/}}$($DRY_RUN && echo ', dry run')"
  check_keepalived_prereqs
  install_token
  install_rootfs
  if [[ "$KOSMOS_ROLE" == "server" && -n "${KOSMOS_SNAPSHOT_BIN:-}" ]]; then
    install_file "$SCRIPT_DIR/etcd-snapshot.sh" "$KOSMOS_SNAPSHOT_BIN" 0700
  fi
  install_k3s "$service"
  apply_services
  if [[ ${#CHANGED[@]} -eq 0 ]]; then
    log "nothing to do: ${KOSMOS_NODE_NAME} is up to date"
  elif $DRY_RUN; then
    log "dry run: ${#CHANGED[@]} change(s) planned, nothing changed"
  else
    log "done: ${#CHANGED[@]} change(s)"
  fi
}
