#!/usr/bin/env bash
# The official Python MCP SDK (PyPI `mcp`) drives `influxdesk mcp` over stdio and
# `influxdesk serve --http` over streamable HTTP against a real influxd the tests start
# themselves. The HTTP test reads the bearer token from the OS keychain: run inside a D-Bus
# session with an unlocked Secret Service (.ci/test does). Creates a venv under target/
# (python3 -m venv; Debian: python3-venv), installs mcp and pytest into it (and aiosmtpd, the
# SMTP server tests/app/alert_email.rs starts), builds the binary if
# needed, runs pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/mcp-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check mcp pytest aiosmtpd
if [ -z "${INFLUXDESK_BIN:-}" ] && [ ! -x target/debug/influxdesk ]; then
  cargo build --quiet --bin influxdesk
fi
exec "$venv/bin/python" -m pytest -q tests/mcp "$@"
