#!/usr/bin/env bash
# Installs the system programs the integration tests start on loopback: a JRE and Maven (Apache Kafka in
# KRaft mode, its jars fetched from Maven Central and cached in .cache/kafka), PostgreSQL and Redis
# (shared dedup state and evaluator storage), and Chromium (the dashboard's browser test drives it headless
# through playwright-core, which never downloads a browser of its own). Skips what is already there. Needs
# root (or sudo).
set -euo pipefail
missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# python3 with venv: scripts/python-env.sh makes the Python environment the cross-check tests use
python3 -c 'import ensurepip, venv' 2>/dev/null || {
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv
}
