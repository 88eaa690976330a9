#!/usr/bin/env bash
# Provisions the real servers Huiyin runs and tests on, pinned and cached outside
# the clone (HUIYIN_CACHE, default ~/.cache/huiyin). Idempotent: a cached tool is
# reused; a changed recipe (stamp) rebuilds it. Prints what it does.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${HUIYIN_CACHE:-$HOME/.cache/huiyin}"
version() { node -p "require('$here/versions.json').$1"; }
TEMPORAL_CLI_VERSION=$(version temporalCli)
FERRETDB_VERSION=$(version ferretdb)
TEST_SERVER_VERSION=$(version temporalTestServer)

say() { printf '[provision] %s\n' "$*"; }
need() {
  command -v "$1" >/dev/null 2>&1 && return
  printf '[provision] ERROR: %s is required (%s) but was not found on PATH.\n' "$1" "$2" >&2
  exit 1
}
# stamp DIR TEXT: true when DIR was built from the same recipe TEXT.
fresh() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

provision_temporal() {
  local dir="$cache/temporal-cli-$TEMPORAL_CLI_VERSION"
  fresh "$dir" "$TEMPORAL_CLI_VERSION" && return
  need go "Go 1.22+, to build the Temporal CLI"
  say "building Temporal CLI $TEMPORAL_CLI_VERSION (dev server + Web UI) — first time only, takes a few minutes…"
  mkdir -p "$dir/bin"
  CGO_ENABLED=0 GOBIN="$dir/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  echo "$TEMPORAL_CLI_VERSION" >"$dir/.stamp"
  say "Temporal CLI ready: $dir/bin/temporal"
}

provision_ferretdb() {
  local dir="$cache/ferretdb-$FERRETDB_VERSION"
  local recipe
  recipe="$FERRETDB_VERSION $(cat "$here/ferretdb/main.go" "$here/ferretdb/go.mod" "$here/ferretdb/go.sum" | sha256sum | cut -c1-16)"
  fresh "$dir" "$recipe" && return
  need go "Go 1.22+, to build the FerretDB launcher"
  say "building FerretDB $FERRETDB_VERSION launcher (SQLite backend) — first time only, takes a few minutes…"
  mkdir -p "$dir/bin"
  (cd "$here/ferretdb" && CGO_ENABLED=0 go build -o "$dir/bin/ferretdb" .)
  echo "$recipe" >"$dir/.stamp"
  say "FerretDB ready: $dir/bin/ferretdb"
}

provision_test_server() {
  local dir="$cache/temporal-test-server-$TEST_SERVER_VERSION"
  fresh "$dir" "$TEST_SERVER_VERSION" && return
  need java "Java 17+, to run the Temporal time-skipping test server"
  need mvn "Apache Maven, to fetch the Temporal test server from Maven Central"
  say "fetching Temporal Java test server $TEST_SERVER_VERSION from Maven Central — first time only…"
  mkdir -p "$dir"
  mvn -q -B -Dstyle.color=never -f "$here/test-server/pom.xml" dependency:build-classpath \
    -Dtemporal.test.server.version="$TEST_SERVER_VERSION" -Dmdep.outputFile="$dir/classpath.txt" | sed 's/\x1b\[[0-9;]*m//g'
  # The SDK kills the server with SIGKILL, so the wrapper must exec java rather than fork it.
  cat >"$dir/test-server" <<WRAPPER
#!/bin/sh
exec java -Xms64m -XX:+UseSerialGC -cp "$(cat "$dir/classpath.txt")" io.temporal.testserver.TestServer "\$1"
WRAPPER
  chmod +x "$dir/test-server"
  echo "$TEST_SERVER_VERSION" >"$dir/.stamp"
  say "Temporal test server ready: $dir/test-server"
}

# The API fuzzer (schemathesis, in a cached Python venv): infra/fuzz-setup.sh.
provision_fuzz() { bash "$here/fuzz-setup.sh"; }

what="${1:-all}"
case "$what" in
  all) provision_temporal; provision_ferretdb; provision_test_server; provision_fuzz ;;
  servers) provision_temporal; provision_ferretdb ;;
  fuzz) provision_fuzz ;;
  *) echo "usage: provision.sh [all|servers|fuzz]" >&2; exit 2 ;;
esac
