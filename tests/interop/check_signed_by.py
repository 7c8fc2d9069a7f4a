#!/usr/bin/python3
"""Checks with python-cryptography alone that CERT's signature verifies under ISSUER's public key.

Usage: check_signed_by.py CERT.pem ISSUER.pem
Prints "ok: <signature algorithm OID>" and exits 0, or "FAIL: <reason>" and exits 1.
Written against Debian 12's python3-cryptography 38 (no verify_directly_issued_by there).
"""

import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    with open(sys.argv[2], "rb") as f:
        issuer = x509.load_pem_x509_certificate(f.read())
    if cert.issuer != issuer.subject:
        print("FAIL: issuer name does not match the issuer's subject")
        return 1
    key = issuer.public_key()
    oid = cert.signature_algorithm_oid.dotted_string
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if oid == "1.2.840.113549.1.1.10":  # RSASSA-PSS, RFC 4055: salt = digest length
                pad = padding.PSS(padding.MGF1(cert.signature_hash_algorithm),
                                  cert.signature_hash_algorithm.digest_size)
            else:
                pad = padding.PKCS1v15()
            key.verify(cert.signature, cert.tbs_certificate_bytes, pad,
                       cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        else:
            print(f"FAIL: unsupported issuer key {type(key).__name__}")
            return 1
    except (InvalidSignature, TypeError, ValueError) as e:
        # TypeError/ValueError: the signature's algorithm does not fit the issuer's key at all.
        detail = type(e).__name__ if not isinstance(e, InvalidSignature) else "invalid"
        print(f"FAIL: signature ({oid}) does not verify under the issuer's key ({detail})")
        return 1
    print(f"ok: {oid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
