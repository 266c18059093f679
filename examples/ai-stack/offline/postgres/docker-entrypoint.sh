#!/usr/bin/env bash
# The entrypoint of aic-offline/postgres:15, doing what the official postgres image's does:
#  - as root: makes $PGDATA and the socket directory postgres's, then runs itself as postgres;
#  - when $PGDATA holds no cluster: initdb with POSTGRES_USER (default postgres) as superuser
#    and POSTGRES_PASSWORD as its password, creates POSTGRES_DB (default: the user's name), runs
#    /docker-entrypoint-initdb.d/* in name order on a server that listens on its unix socket
#    only, and lets the network in with POSTGRES_HOST_AUTH_METHOD (default scram-sha-256);
#  - then execs the command (postgres, in the foreground, listening on every interface).
# A first argument that starts with "-" is an option for postgres.
set -Eeuo pipefail

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

# VAR_FILE names a file that holds VAR's value (Docker secrets); both at once is an error.
file_env() {
  local var="$1" file_var="${1}_FILE" default="${2:-}"
  if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
    log "both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value="$default"
  if [[ -n "${!var:-}" ]]; then
    value="${!var}"
  elif [[ -n "${!file_var:-}" ]]; then
    value="$(<"${!file_var}")"
  fi
  export "$var"="$value"
  unset "$file_var"
}

if [[ "${1:-}" == -* ]]; then
  set -- postgres "$@"
fi

if [[ "${1:-}" == postgres && "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  install -d -o postgres -g postgres -m 3777 /var/run/postgresql
  export HOME=/var/lib/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

init_database() {
  file_env POSTGRES_USER postgres
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

  if [[ -z "$POSTGRES_PASSWORD" && "$POSTGRES_HOST_AUTH_METHOD" != trust ]]; then
    cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
MSG
    exit 1
  fi

  # POSTGRES_INITDB_ARGS is word-split, as the official image's is. The password goes through a
  # pipe that lives as long as initdb's command (not in a variable: it would close before).
  if [[ -n "$POSTGRES_PASSWORD" ]]; then
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
      $POSTGRES_INITDB_ARGS
  else
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
  fi

  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start

  local psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [[ "$POSTGRES_DB" != postgres ]]; then
    # psql quotes the name (:"db"), whatever characters it holds.
    echo 'CREATE DATABASE :"db" ;' | "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB"
    log "created database $POSTGRES_DB"
  fi
  psql+=(--dbname "$POSTGRES_DB")

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [[ -e "$f" ]] || continue
    case "$f" in
      *.sh)
        if [[ -x "$f" ]]; then
          log "running $f"
          "$f"
        else
          log "sourcing $f"
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) log "running $f"; "${psql[@]}" -f "$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql[@]}" ;;
      *) log "ignoring $f" ;;
    esac
  done

  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD

  {
    echo
    echo "# Added by docker-entrypoint.sh: the network, with POSTGRES_HOST_AUTH_METHOD."
    echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
  } >>"$PGDATA/pg_hba.conf"
  log "PostgreSQL init process complete; ready for start up."
}

if [[ "${1:-}" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
  init_database
fi

exec "$@"
