#!/usr/bin/env bash
# `npm run generate`: the code of the contract for TypeScript, Go and Python (buf.gen.yaml says
# where each goes), and the descriptor set that describes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash clients/setup.sh
npx buf generate
npx buf build --as-file-descriptor-set -o proto/descriptor/qtasks-broker-v1.binpb
