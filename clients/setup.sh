#!/usr/bin/env bash
# Prepares the Python and Go clients: what `npm run generate` and `npm test` need beyond `npm ci`.
# Idempotent and quick when nothing changed, so both commands run it every time.
#   Python: a venv in clients/python/.venv with clients/python/requirements-dev.txt (grpcio-tools is
#           the stub generator) and the client installed in editable mode.
#   Go:     the modules of clients/go/go.mod, including the protoc-gen-go and protoc-gen-go-grpc tools.
set -euo pipefail
cd "$(dirname "$0")"

venv=python/.venv
stamp=$venv/.qtasks-installed
wanted=$(cat python/requirements-dev.txt python/pyproject.toml | sha256sum)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "clients/setup.sh: installing the Python client's environment into clients/$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r python/requirements-dev.txt -e python
  echo "$wanted" >"$stamp"
fi

go -C go mod download
# Compiles the Go client and its programs once, so that the tests that build them later are quick.
go -C go build ./...
