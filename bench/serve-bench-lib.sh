# shellcheck shell=bash
# shellcheck disable=SC2154  # the caller sets signet_bin, softhsm, work and bench_dir
# Shared by bench/compare-serve.sh and bench/soak-serve.sh (signet issue 7): the PKI both servers
# use, starting/stopping them, the checked first request, one wrk run. Sourced, not run.
#
# Everything lives in $work (a temp dir the caller removes). Started servers are killed by their
# pid only (sb_stop_all), never by name.

sb_die() { echo "serve-bench: $*" >&2; exit 1; }

sb_require() {
  local t
  for t in wrk cfssl curl jq openssl python3 bc; do
    command -v "$t" >/dev/null || sb_die "needs $t (tools/install-deps.sh installs it)"
  done
  [[ -x $signet_bin ]] || sb_die "missing $signet_bin (build the signet target)"
  [[ -e $softhsm ]] || sb_die "missing $softhsm (softhsm2)"
}

# A free loopback TCP port for cfssl (which cannot be told port 0); the small race between this
# probe and cfssl's bind is acceptable in a bench.
sb_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sb_setup: TLS server identity, HMAC key, three CAs (software P-256, software RSA-2048, SoftHSM
# P-256) each in its own state directory, the cfssl configs and the precomputed request bodies.
sb_setup() {
  local csrs=$1
  cd "$work" || return
  mkdir tokens
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$work" >softhsm2.conf
  export SOFTHSM2_CONF=$work/softhsm2.conf
  # Secrets only in 0600 files: PINs through RFC 7512 pin-source, the HMAC key as cfssl's hex.
  (
    umask 077
    head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >pin.txt
    head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >so-pin.txt
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >ci.hex
  )
  # TLS: a throwaway server CA and a P-256 certificate for 127.0.0.1, shared by both servers.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj '/CN=serve bench TLS CA' -keyout tls-ca.key -out tls-ca.crt 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -CA tls-ca.crt -CAkey tls-ca.key \
    -keyout tls.key -out tls.crt 2>/dev/null
  # Software CA keys (cfssl has no PKCS#11): PKCS#8 PEM files both servers read. signet takes
  # them only with --allow-software-key (tools/signet/context.cc open_key).
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256-ca.key 2>/dev/null
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-ca.key 2>/dev/null
  chmod 600 p256-ca.key rsa-ca.key
  "$signet_bin" --state state-p256 --allow-software-key ca init --name bench-p256 \
    --key "file:$work/p256-ca.key" --subject 'CN=serve bench P-256 CA' --validity 8760h \
    --out p256-ca.crt >/dev/null
  "$signet_bin" --state state-rsa --allow-software-key ca init --name bench-rsa \
    --key "file:$work/rsa-ca.key" --subject 'CN=serve bench RSA-2048 CA' --validity 8760h \
    --out rsa-ca.crt >/dev/null
  # The SoftHSM row, and the component loops' keys (P-256 CA; an RSA-2048 key for its loop).
  "$signet_bin" --state state-hsm token init --module "$softhsm" --label bench \
    --pin-source "file:$work/pin.txt" --so-pin-source "file:$work/so-pin.txt" >/dev/null
  hsm_key="pkcs11:token=bench;object=bench-hsm?pin-source=file:$work/pin.txt"
  hsm_rsa_key="pkcs11:token=bench;object=bench-rsa?pin-source=file:$work/pin.txt"
  "$signet_bin" --state state-hsm key generate --algorithm ecdsa-p256 --key "$hsm_key" >/dev/null
  "$signet_bin" --state state-hsm key generate --algorithm rsa-2048 --key "$hsm_rsa_key" >/dev/null
  "$signet_bin" --state state-hsm ca init --name bench-hsm --key "$hsm_key" \
    --subject 'CN=serve bench SoftHSM P-256 CA' --validity 8760h --out hsm-ca.crt >/dev/null
  # cfssl: one profile named like signet's built-in kubelet-client, gated by the same HMAC key
  # (auth_key makes /authsign check the token; cfssl config/config.go).
  jq -n --rawfile key ci.hex '
    {"expiry": "8760h", "usages": ["digital signature", "key encipherment", "client auth"],
     "auth_key": "ci"} as $p
    | {signing: {default: $p, profiles: {"kubelet-client": $p}},
       auth_keys: {ci: {type: "standard", key: ($key | rtrimstr("\n"))}}}' >cfssl.json
  chmod 600 cfssl.json
  echo "precomputing $csrs authsign bodies (distinct P-256 CSRs)..." >&2
  python3 "$bench_dir/serve-requests.py" --count "$csrs" --key-file ci.hex \
    --profile kubelet-client --lua bodies.lua --first first.json
}

# sb_signet_config NAME CA IO_THREADS SIGN_THREADS: a server-auth TLS config (wrk presents no
# client certificate: "optional", and /authsign authorizes by the HMAC key alone).
sb_signet_config() {
  jq -n --arg ca "$2" --argjson io "$3" --argjson sign "$4" --arg dir "$work" '
    {listeners: [{address: "127.0.0.1:0"}],
     tls: {certificate: "\($dir)/tls.crt", key: "file:\($dir)/tls.key",
           client_ca: ["\($dir)/tls-ca.crt"], client_certificates: "optional"},
     cas: [$ca],
     hmac_keys: [{name: "ci", key_file: "\($dir)/ci.hex", expires: "2099-01-01T00:00:00Z",
                  ca: $ca, profiles: ["kubelet-client"]}],
     limits: {io_threads: $io, sign_threads: $sign}}' >"$work/serve-$1.json"
}

declare -A sb_url sb_pid sb_ca
sb_started=()

# sb_start_signet NAME STATE CA IO SIGN: waits (≤ 30 s) for "listening on https://…".
sb_start_signet() {
  local name=$1 state=$2 ca=$3 _
  sb_signet_config "$name" "$ca" "$4" "$5"
  "$signet_bin" --state "$work/$state" --allow-software-key serve --config "$work/serve-$name.json" \
    </dev/null >"$work/$name.out" 2>"$work/$name.err" &
  sb_pid[$name]=$!
  sb_started+=("${sb_pid[$name]}")
  for _ in $(seq 1 300); do
    if grep -q 'listening on https://' "$work/$name.out"; then
      sb_url[$name]=$(grep -o 'https://[0-9.:]*' "$work/$name.out" | head -1)
      sb_ca[$name]=$work/${ca#bench-}-ca.crt
      return 0
    fi
    kill -0 "${sb_pid[$name]}" 2>/dev/null || sb_die "$name exited: $(cat "$work/$name.err")"
    sleep 0.1
  done
  sb_die "$name did not start within 30 s: $(cat "$work/$name.err")"
}

# sb_start_cfssl NAME CA_PREFIX: cfssl 1.2.0 serves TLS with -tls-cert/-tls-key (no client
# certificate asked: no -mutual-tls-ca). -loglevel 2 (warning): neither server logs per request.
sb_start_cfssl() {
  local name=$1 prefix=$2 port _
  port=$(sb_free_port)
  cfssl serve -address 127.0.0.1 -port "$port" -ca "$work/$prefix-ca.crt" \
    -ca-key "$work/$prefix-ca.key" -config "$work/cfssl.json" -tls-cert "$work/tls.crt" \
    -tls-key "$work/tls.key" -loglevel 2 </dev/null >"$work/$name.out" 2>"$work/$name.err" &
  sb_pid[$name]=$!
  sb_started+=("${sb_pid[$name]}")
  sb_url[$name]=https://127.0.0.1:$port
  sb_ca[$name]=$work/$prefix-ca.crt
  for _ in $(seq 1 300); do
    curl -s -o /dev/null --cacert "$work/tls-ca.crt" "${sb_url[$name]}/api/v1/cfssl/info" \
      -d '{}' && return 0
    kill -0 "${sb_pid[$name]}" 2>/dev/null || sb_die "$name exited: $(cat "$work/$name.err")"
    sleep 0.1
  done
  sb_die "$name did not start within 30 s: $(cat "$work/$name.err")"
}

sb_stop_all() {
  local p
  for p in "${sb_started[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${sb_started[@]}"; do wait "$p" 2>/dev/null || true; done
  sb_started=()
}

# sb_check NAME: one request before any clock: HTTP 200, success, a certificate that OpenSSL
# (not our code) verifies against that server's CA with the client-auth purpose.
sb_check() {
  local name=$1 code
  code=$(curl -sS --max-time 20 --cacert "$work/tls-ca.crt" -o "$work/$name.first" \
    -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$work/first.json" \
    "${sb_url[$name]}/api/v1/cfssl/authsign") || sb_die "$name: the checked request failed"
  [[ $code == 200 ]] || sb_die "$name: the checked request got HTTP $code: $(head -c 300 "$work/$name.first")"
  jq -e '.success == true' "$work/$name.first" >/dev/null ||
    sb_die "$name: success is not true: $(head -c 300 "$work/$name.first")"
  jq -r '.result.certificate' "$work/$name.first" >"$work/$name.crt"
  openssl verify -x509_strict -purpose sslclient -CAfile "${sb_ca[$name]}" "$work/$name.crt" \
    >/dev/null 2>"$work/$name.verify" ||
    sb_die "$name: openssl verify refused the certificate: $(cat "$work/$name.verify")"
}

# sb_wrk NAME SECONDS CONNECTIONS THREADS [DELAY_MS]: one wrk run; prints its JSON line. Any
# non-2xx answer or socket error fails the whole run, loudly, with wrk's own output.
sb_wrk() {
  local name=$1 seconds=$2 conns=$3 threads=$4 delay=${5:-} out line
  out=$(wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 10s -s "$bench_dir/serve-authsign.lua" \
    "${sb_url[$name]}" -- "$work/bodies.lua" ${delay:+"$delay"} 2>&1) || sb_die "$name: wrk failed: $out"
  line=$(grep '^{"requests"' <<<"$out" | tail -1)
  [[ -n $line ]] || sb_die "$name: no JSON line from wrk: $out"
  # SB_WRK_KEEP_GOING=1 (the soak): return the line and let the caller judge the errors.
  if [[ -z ${SB_WRK_KEEP_GOING:-} ]] &&
    ! jq -e '.non2xx == 0 and ([.socket_errors[]] | add) == 0 and .requests > 0' \
      <<<"$line" >/dev/null; then
    sb_die "$name: errors under load (non-2xx or socket errors): $line"$'\n'"$out"
  fi
  echo "$line"
}

# RSS of a pid in KiB (/proc/PID/status VmRSS).
sb_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
