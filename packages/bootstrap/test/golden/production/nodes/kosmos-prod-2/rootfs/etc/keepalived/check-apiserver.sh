#!/bin/sh
# keepalived check for the local K3s API server on kosmos-prod-2.
# Rendered by `pnpm bootstrap render --env production` from environments/production/inventory.yaml; do not edit.
# Healthy when /readyz answers 200, or 401 (anonymous auth off: the server is up and serving TLS).
# curl gives up after 1.5s, before keepalived's 2s timeout and the 3s interval.
code=$(curl --silent --insecure --output /dev/null --write-out '%{http_code}' \
  --connect-timeout 1 --max-time 1.5 https://127.0.0.1:6443/readyz) || true
case "$code" in
  200 | 401) exit 0 ;;
  *) exit 1 ;;
esac
