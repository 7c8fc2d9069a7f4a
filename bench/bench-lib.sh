# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # the caller sets work; as_pg and pg_uri are for the caller
# Shared by bench/compare-ledger.sh and bench/reissue-two-workers.sh: a PostgreSQL server of the
# bench's own and a fresh SoftHSM token, both inside $work (a temp dir the caller made). Sourced,
# not run. PINs only through pin-source files (RFC 7512), never on a command line.

# bl_start_postgres PG_BIN: initdb + pg_ctl start in $work/pg on 127.0.0.1 and a random port,
# trust authentication (no password anywhere), fsync on. As root it runs as `postgres` (initdb
# refuses root). Sets `as_pg` (the prefix for pg_ctl/initdb) and `pg_uri`; bl_stop_postgres stops it.
bl_start_postgres() {
  bl_pg_bin=$1
  as_pg=()
  if [[ $(id -u) == 0 ]]; then as_pg=(runuser -u postgres --); chown postgres "$work"; chmod 755 "$work"; fi
  local port=$((20000 + RANDOM % 20000))
  "${as_pg[@]}" "$bl_pg_bin/initdb" -D "$work/pg" -U signet --auth=trust >/dev/null
  "${as_pg[@]}" "$bl_pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=on" start >/dev/null
  pg_uri="postgresql://signet@127.0.0.1:$port/postgres"
}

bl_stop_postgres() {
  [[ -n ${bl_pg_bin:-} ]] || return 0
  "${as_pg[@]}" "$bl_pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
}

# bl_init_token SIGNET_BIN SOFTHSM_MODULE: a SoftHSM token "bench" in $work/tokens, its
# softhsm2.conf, pin.txt and so-pin.txt; exports SOFTHSM2_CONF and SIGNET_HOME=$work/state.
bl_init_token() {
  mkdir "$work/tokens"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$work" >"$work/softhsm2.conf"
  export SOFTHSM2_CONF=$work/softhsm2.conf SIGNET_HOME=$work/state
  (umask 077
   head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/pin.txt"
   head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/so-pin.txt")
  "$1" token init --module "$2" --label bench --pin-source "file:$work/pin.txt" \
    --so-pin-source "file:$work/so-pin.txt" >/dev/null
}
