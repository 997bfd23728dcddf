#!/usr/bin/env bash
# Runs every test file explicitly: node --test on Node 20 does not expand globs itself.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find src test packages -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
