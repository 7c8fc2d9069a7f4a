#!/usr/bin/env python3
"""Precomputes the authsign bodies bench/serve-authsign.lua rotates through (signet issue 7).

Each body is cfssl's AuthenticatedRequest for a distinct P-256 CSR (a fresh key per CSR, so
neither server can cache a signature or a parsed request across requests):
    {"token": base64(HMAC-SHA256(key, request)), "request": base64(request)}
where request is the sign JSON {"certificate_request": PEM, "profile": PROFILE}. cfssl 1.2.0's
auth.Standard provider verifies exactly this MAC over the raw request bytes (auth/auth.go), and
signet serve's hmac_auth.cc does the same.

Usage: serve-requests.py --count N --key-file HEX_FILE --profile NAME --lua OUT.lua --first OUT.json
The Lua file defines the global `bodies` (an array of strings in Lua long brackets); --first
gets body 1 as a file, for the one checked request before the clock starts.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MAX_COUNT = 100_000  # ~1.3 kB a body: the Lua table stays well under 200 MB per wrk thread


def read_key(path):
    text = open(path, encoding="ascii").read().strip()
    key = bytes.fromhex(text)  # cfssl's auth key form: hex (auth.New: hex.DecodeString)
    if len(key) < 16:
        sys.exit(f"serve-requests: {path}: HMAC key has {len(key)} bytes, at least 16 are needed")
    return key


def csr_pem(i):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"system:node:bench-{i}"),
    ])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def body(key, pem, profile):
    request = json.dumps({"certificate_request": pem, "profile": profile},
                         separators=(",", ":")).encode()
    token = hmac.new(key, request, hashlib.sha256).digest()
    return json.dumps({"token": base64.b64encode(token).decode(),
                       "request": base64.b64encode(request).decode()},
                      separators=(",", ":"))


def write_atomic(path, text):
    # Never a half-written table: a temp file in the same directory, then rename(2).
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".serve-requests-")
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--key-file", required=True)
    p.add_argument("--profile", default="kubelet-client")
    p.add_argument("--lua", required=True)
    p.add_argument("--first", required=True)
    a = p.parse_args()
    if not 1000 <= a.count <= MAX_COUNT:
        sys.exit(f"serve-requests: --count must be 1000 to {MAX_COUNT} (issue 7: at least 1,000 "
                 f"distinct requests), got {a.count}")
    key = read_key(a.key_file)
    bodies = [body(key, csr_pem(i), a.profile) for i in range(a.count)]
    assert len(set(bodies)) == a.count
    # Bodies are JSON of base64 strings: they never contain "]=]", so long brackets need no escaping.
    lua = "bodies = {\n" + "".join(f"[=[{b}]=],\n" for b in bodies) + "}\n"
    write_atomic(a.lua, lua)
    write_atomic(a.first, bodies[0])


if __name__ == "__main__":
    main()
