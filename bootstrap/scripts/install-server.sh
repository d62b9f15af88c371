#!/usr/bin/env bash
# Installs (or re-applies) a K3s server from its rendered node directory. --help for usage.
set -euo pipefail
PROG=$(basename "$0")
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KOSMOS_ROLE_EXPECTED=server
# shellcheck source=lib/install-common.sh
. "$SCRIPT_DIR/lib/install-common.sh"
parse_install_args "$@"
run_install k3s
