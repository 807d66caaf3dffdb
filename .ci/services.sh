# Throwaway PostgreSQL and Redis servers for the tests that need them.
#
#   source .ci/services.sh    # in bash; then: npm test
#
# Both listen on 127.0.0.1 on free ports (never 5432 or 6379, so a server of
# your own is left alone), keep their data in a temporary folder, and are
# stopped (the folder removed) when the shell that sourced this exits.
# Exports TEST_POSTGRES_URL and TEST_REDIS_URL for test/services.ts.
# Sourcing it again in the same shell keeps the servers already started.
# Installs Debian's postgresql and redis-server with apt-get when missing (root only).

_lightweight_services_fail() {
  echo "services.sh: $*" >&2
  _lightweight_services_stop
  return 1
}

_lightweight_services_stop() {
  local dir=${_lightweight_services_dir:-}
  [[ -n $dir && -d $dir ]] || return 0
  if [[ -f $dir/postgres/data/postmaster.pid ]]; then
    ${_lightweight_services_as_postgres:-} "$_lightweight_services_pg_bin/pg_ctl" -D "$dir/postgres/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -f $dir/redis/redis.pid ]]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    # Give it a moment to go before its folder does.
    local i
    for i in {1..20}; do
      [[ -f $dir/redis/redis.pid ]] || break
      sleep 0.1
    done
  fi
  rm -rf "$dir"
  _lightweight_services_dir=
}

# A TCP port nothing listens on now (the kernel's choice, so not a well-known one).
_lightweight_services_free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

# Waits up to 15 s for "$@" to succeed.
_lightweight_services_wait() {
  local i
  for i in {1..150}; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

_lightweight_services_install() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -x ${bin:-}/initdb ]] && command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    return 0
  fi
  if [[ $(id -u) != 0 ]]; then
    echo "services.sh: PostgreSQL or Redis is missing; install them with: sudo apt-get install postgresql redis-server" >&2
    return 1
  fi
  echo "services.sh: installing postgresql and redis-server" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
}

_lightweight_services_start() {
  _lightweight_services_install || return 1

  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x ${bin:-}/initdb ]] || { echo "services.sh: no PostgreSQL in /usr/lib/postgresql/*/bin" >&2; return 1; }
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) export PATH="$bin:$PATH" ;;
  esac
  _lightweight_services_pg_bin=$bin

  # PostgreSQL refuses to run as root.
  _lightweight_services_as_postgres=
  if [[ $(id -u) == 0 ]]; then _lightweight_services_as_postgres="runuser -u postgres --"; fi
  local as_postgres=$_lightweight_services_as_postgres

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/lightweight-services.XXXXXX") || return 1
  _lightweight_services_dir=$dir
  chmod 711 "$dir"
  mkdir "$dir/postgres" "$dir/redis"
  if [[ -n $as_postgres ]]; then chown postgres: "$dir/postgres"; fi

  local postgres_port redis_port
  postgres_port=$(_lightweight_services_free_port) || _lightweight_services_fail "cannot pick a free port (is node installed?)" || return 1
  redis_port=$(_lightweight_services_free_port) || _lightweight_services_fail "cannot pick a free port (is node installed?)" || return 1

  $as_postgres "$bin/initdb" -D "$dir/postgres/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/postgres/initdb.log" 2>&1 ||
    _lightweight_services_fail "initdb failed: $(tail -n 5 "$dir/postgres/initdb.log")" || return 1
  # Durability is pointless for data thrown away at the end; speed is not.
  cat >>"$dir/postgres/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $postgres_port
unix_socket_directories = '$dir/postgres'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  $as_postgres "$bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/server.log" -w -t 15 start >/dev/null 2>&1 ||
    _lightweight_services_fail "PostgreSQL did not start: $(tail -n 5 "$dir/postgres/server.log" 2>/dev/null)" || return 1
  _lightweight_services_wait pg_isready -q -h 127.0.0.1 -p "$postgres_port" ||
    _lightweight_services_fail "PostgreSQL on 127.0.0.1:$postgres_port did not answer within 15 s" || return 1

  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$dir/redis" \
    --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/server.log" ||
    _lightweight_services_fail "redis-server did not start: $(tail -n 5 "$dir/redis/server.log" 2>/dev/null)" || return 1
  _lightweight_services_wait redis-cli -h 127.0.0.1 -p "$redis_port" ping ||
    _lightweight_services_fail "Redis on 127.0.0.1:$redis_port did not answer within 15 s: $(tail -n 5 "$dir/redis/server.log" 2>/dev/null)" || return 1

  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$postgres_port/postgres"
  export TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  echo "services.sh: started PostgreSQL ($(basename "$(dirname "$bin")")) at $TEST_POSTGRES_URL and Redis at $TEST_REDIS_URL; both stop when this shell exits"
}

# Runs our cleanup, then whatever EXIT trap the shell already had.
_lightweight_services_trap_exit() {
  local previous
  previous=$(trap -p EXIT)
  [[ $previous == *_lightweight_services_stop* ]] && return 0
  eval "set -- $previous"
  _lightweight_services_previous_exit_trap=${3:-}
  trap '_lightweight_services_stop; eval "$_lightweight_services_previous_exit_trap"' EXIT
}

if [[ -n ${_lightweight_services_dir:-} && -d $_lightweight_services_dir ]]; then
  echo "services.sh: already running in this shell: $TEST_POSTGRES_URL and $TEST_REDIS_URL"
else
  _lightweight_services_trap_exit
  _lightweight_services_start
fi
