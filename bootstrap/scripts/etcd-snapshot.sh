#!/usr/bin/env bash
# etcd snapshot with verification and retention, into a root-only directory. --help for usage.
set -euo pipefail
umask 077
PROG=$(basename "$0")

MODE=""
DIR=/var/backups/kosmos/etcd
KEEP=5
PREFIX=kosmos-etcd
TOKEN_FILE=""
ENDPOINTS=""
CACERT=""
CERT=""
KEY=""
TIMEOUT=600
DRY_RUN=false
ETCDCTL=${ETCDCTL:-etcdctl}
ETCDUTL=${ETCDUTL:-etcdutl}
K3S=${K3S:-k3s}

usage() {
  cat <<USAGE
Usage: $PROG (--k3s | --endpoints URLS [--cacert F --cert F --key F]) [options]

Takes an etcd snapshot, verifies it, saves the SHA-256 of the cluster token beside it and keeps
the newest N snapshots (one a day when run by kosmos-etcd-snapshot.timer). The directory is
created 0700 and every file in it is 0600.

Source (one of):
  --k3s               K3s embedded etcd: \`k3s etcd-snapshot save\` (run on a server, as root)
  --endpoints URLS    any etcd: \`etcdctl snapshot save\` against URLS (comma-separated)
    --cacert F --cert F --key F   client TLS for --endpoints (all three, or none for plain http)

Options:
  --dir DIR           where snapshots go (default: $DIR)
  --keep N            snapshots to keep, newest first (default: $KEEP)
  --prefix NAME       snapshot file name prefix (default: $PREFIX)
  --token-file F      cluster token to hash beside each snapshot (K3s: /var/lib/rancher/k3s/server/token);
                      a K3s snapshot is useless for restore without the token it was taken with
  --timeout SECONDS   give up on the snapshot after this long (default: $TIMEOUT)
  --dry-run           print what would be done
  -h, --help          this help

Environment: ETCDCTL, ETCDUTL, K3S (binaries; default from PATH). Verification uses
\`etcdutl snapshot status\` when etcdutl is found; required with --endpoints.
Restore: bootstrap/restore.md.
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

while [[ $# -gt 0 ]]; do
  case "$1" in
    --k3s) MODE=k3s; shift ;;
    --endpoints) need_arg "$1" "${2-}" 'URLs'; MODE=etcdctl; ENDPOINTS=$2; shift 2 ;;
    --cacert) need_arg "$1" "${2-}" 'a file'; CACERT=$2; shift 2 ;;
    --cert) need_arg "$1" "${2-}" 'a file'; CERT=$2; shift 2 ;;
    --key) need_arg "$1" "${2-}" 'a file'; KEY=$2; shift 2 ;;
    --dir) need_arg "$1" "${2-}" 'a directory'; DIR=$2; shift 2 ;;
    --keep) need_arg "$1" "${2-}" 'a number'; KEEP=$2; shift 2 ;;
    --prefix) need_arg "$1" "${2-}" 'a name'; PREFIX=$2; shift 2 ;;
    --token-file) need_arg "$1" "${2-}" 'a file'; TOKEN_FILE=$2; shift 2 ;;
    --timeout) need_arg "$1" "${2-}" 'seconds'; TIMEOUT=$2; shift 2 ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

[[ -n "$MODE" ]] || usage_error "choose --k3s or --endpoints URLS"
[[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || usage_error "--keep must be a positive integer, got '$KEEP'"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout must be a positive number of seconds, got '$TIMEOUT'"
[[ "$PREFIX" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || usage_error "--prefix may hold letters, digits, . _ - only"
tls_count=0
for f in "$CACERT" "$CERT" "$KEY"; do [[ -n "$f" ]] && tls_count=$((tls_count + 1)); done
if [[ $tls_count -ne 0 && $tls_count -ne 3 ]]; then usage_error "--cacert, --cert and --key go together"; fi
if [[ "$MODE" == k3s && $tls_count -ne 0 ]]; then usage_error "TLS flags are for --endpoints; k3s uses its own certificates"; fi
if [[ -n "$TOKEN_FILE" && ! -r "$TOKEN_FILE" ]]; then die "token file $TOKEN_FILE is not readable"; fi

stamp=$(date -u +%Y%m%dT%H%M%S.%NZ)
name="$PREFIX-$stamp"
# Names this script writes, and only those (retention must not touch another series such as
# $PREFIX-weekly-*): PREFIX-<stamp above>.db (etcdctl) or PREFIX-<stamp>-<node>-<time>[.zip] (k3s).
d='[0-9]'
stamp_glob="$d$d$d$d$d$d$d${d}T$d$d$d$d$d$d.$d$d$d$d$d$d$d$d${d}Z"

if $DRY_RUN; then
  log "would create $DIR (0700) and save snapshot $name via $MODE${ENDPOINTS:+ from $ENDPOINTS}${CACERT:+ with TLS}"
  log "would verify it with etcdutl snapshot status, hash ${TOKEN_FILE:-no token file} beside it, keep the newest $KEEP"
  exit 0
fi

install -d -m 0700 "$DIR"
chmod 0700 "$DIR"

snapshot=""
case "$MODE" in
  etcdctl)
    snapshot="$DIR/$name.db"
    tls=()
    if [[ $tls_count -eq 3 ]]; then tls=(--cacert "$CACERT" --cert "$CERT" --key "$KEY"); fi
    # etcdctl writes FILE.part and renames it when complete.
    timeout "$TIMEOUT" "$ETCDCTL" --endpoints "$ENDPOINTS" --dial-timeout 5s "${tls[@]}" snapshot save "$snapshot" >/dev/null ||
      { rm -f "$snapshot.part"; die "etcdctl snapshot save from $ENDPOINTS failed (or took over ${TIMEOUT}s)"; }
    ;;
  k3s)
    before=$(find "$DIR" -maxdepth 1 -type f -name "$name*" | sort)
    timeout "$TIMEOUT" "$K3S" etcd-snapshot save --name "$name" --dir "$DIR" >/dev/null ||
      die "k3s etcd-snapshot save failed (or took over ${TIMEOUT}s)"
    # K3s appends the node name and a timestamp to --name: find the file it wrote.
    snapshot=$(comm -13 <(printf '%s\n' "$before") <(find "$DIR" -maxdepth 1 -type f -name "$name*" | sort) | grep -v '\.token-sha256$' | tail -n 1)
    [[ -n "$snapshot" ]] || die "k3s reported success but no snapshot $name* appeared in $DIR"
    ;;
esac
chmod 0600 "$snapshot"

# Verify: the file is a readable etcd backend with a hash and revision.
if command -v "$ETCDUTL" >/dev/null 2>&1 && [[ "$snapshot" != *.zip ]]; then
  status=$("$ETCDUTL" snapshot status "$snapshot" -w table 2>&1) || {
    rm -f "$snapshot"
    die "snapshot $snapshot failed verification (removed): $status"
  }
  log "verified $(basename "$snapshot"):"
  printf '%s\n' "$status" >&2
elif [[ "$MODE" == etcdctl ]]; then
  die "etcdutl not found (set ETCDUTL): cannot verify $snapshot"
else
  [[ -s "$snapshot" ]] || die "snapshot $snapshot is empty"
  "$K3S" etcd-snapshot ls 2>/dev/null | grep -q "$(basename "$snapshot")" ||
    die "snapshot $(basename "$snapshot") is not listed by k3s etcd-snapshot ls"
  log "verified $(basename "$snapshot") (listed by k3s; etcdutl not installed for a deeper check)"
fi

if [[ -n "$TOKEN_FILE" ]]; then
  sha256sum <"$TOKEN_FILE" | awk '{ print $1 }' >"$snapshot.token-sha256"
  chmod 0600 "$snapshot.token-sha256"
fi

# Retention: newest first by modification time, then name; older ones go with their token hash.
mapfile -t all < <(find "$DIR" -maxdepth 1 -type f \( -name "$PREFIX-$stamp_glob.db" -o -name "$PREFIX-$stamp_glob-*" \) \
  ! -name '*.token-sha256' ! -name '*.part' -printf '%T@\t%f\n' |
  sort -t $'\t' -k1,1nr -k2,2r | cut -f2)
removed=0
for ((i = KEEP; i < ${#all[@]}; i++)); do
  rm -f "$DIR/${all[$i]}" "$DIR/${all[$i]}.token-sha256"
  removed=$((removed + 1))
done
log "saved $snapshot; kept $((${#all[@]} < KEEP ? ${#all[@]} : KEEP)), removed $removed older"
printf '%s\n' "$snapshot"
