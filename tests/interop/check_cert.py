#!/usr/bin/python3
"""Independent checker for certificates issued by signet.

Uses only the Python stdlib and the `cryptography` package (written against
Debian 12's python3-cryptography 38; also works with newer versions). Raw
DER fields (issuer/subject bytes, string tags, serial length, extension
OIDs, signature AlgorithmIdentifiers) are read with a small DER walker in
this file, so the checks do not rely on any re-encoding.

Usage:
  check_cert.py --profile kubelet-client --cert node.crt --ca ca.crt \
      [--node-name NAME] [--now-epoch SECONDS] [--json]
  check_cert.py --profile leaf --cert c.crt --ca ca.crt --expect-cn CN \
      [--expect-o O ...] --expect-eku serverAuth,clientAuth \
      [--expect-dns a,b] [--expect-ip 10.0.0.1,fd00::1]
  check_cert.py --profile ca --cert ca.crt [--json]

Output: one "FAIL rule: detail" line per failed rule and exit 1, or
"ok: N checks" and exit 0. With --json:
  {"ok": bool, "checks": N, "failures": [{"rule": ..., "detail": ...}]}
Exit status 2 means a usage error (bad arguments).
"""

import argparse
import calendar
import datetime
import json
import sys
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

# --------------------------------------------------------------------------
# Minimal DER reader
# --------------------------------------------------------------------------


class DERError(ValueError):
    pass


def der_read(buf, pos=0):
    """Read one TLV at pos. Returns (tag, content_start, content_end, tlv_end)."""
    if pos + 2 > len(buf):
        raise DERError("truncated TLV at offset %d" % pos)
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise DERError("high-tag-number form not supported at offset %d" % pos)
    ln = buf[pos + 1]
    p = pos + 2
    if ln & 0x80:
        n = ln & 0x7F
        if n == 0 or n > 4 or p + n > len(buf):
            raise DERError("bad length at offset %d" % pos)
        ln = int.from_bytes(buf[p:p + n], "big")
        p += n
    if p + ln > len(buf):
        raise DERError("content overruns buffer at offset %d" % pos)
    return tag, p, p + ln, p + ln


def der_children(buf, start, end):
    out = []
    p = start
    while p < end:
        t = der_read(buf, p)
        out.append((t[0], p, t[1], t[2]))  # tag, tlv_start, content_start, end
        p = t[3]
    if p != end:
        raise DERError("children overrun parent")
    return out


def der_oid(content):
    if not content:
        raise DERError("empty OID")
    first = content[0]
    arcs = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    v = 0
    for b in content[1:]:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(v)
            v = 0
    return ".".join(str(a) for a in arcs)


class RawCert:
    """Raw DER pieces of a certificate."""

    def __init__(self, der):
        tag, cs, ce, end = der_read(der, 0)
        if tag != 0x30 or end != len(der):
            raise DERError("Certificate is not a single SEQUENCE")
        top = der_children(der, cs, ce)
        if len(top) != 3:
            raise DERError("Certificate SEQUENCE must have 3 elements")
        tbs, outer_alg, _sig = top
        self.outer_sig_alg = der[outer_alg[1]:outer_alg[3]]
        kids = der_children(der, tbs[2], tbs[3])
        i = 0
        self.version_raw = None
        if kids and kids[0][0] == 0xA0:
            vk = der_children(der, kids[0][2], kids[0][3])
            self.version_raw = int.from_bytes(der[vk[0][2]:vk[0][3]], "big")
            i = 1
        serial = kids[i]
        if serial[0] != 0x02:
            raise DERError("serialNumber is not an INTEGER")
        self.serial_content = der[serial[2]:serial[3]]
        self.tbs_sig_alg = der[kids[i + 1][1]:kids[i + 1][3]]
        self.issuer = der[kids[i + 2][1]:kids[i + 2][3]]
        self.subject = der[kids[i + 4][1]:kids[i + 4][3]]
        self.ext_oids = []
        for k in kids[i + 6:]:
            if k[0] == 0xA3:
                seq = der_children(der, k[2], k[3])
                for ext in der_children(der, seq[0][2], seq[0][3]):
                    parts = der_children(der, ext[2], ext[3])
                    self.ext_oids.append(der_oid(der[parts[0][2]:parts[0][3]]))

    @staticmethod
    def name_attrs(name_der):
        """[(rdn_index, oid, tag, value_bytes)] from a raw Name."""
        out = []
        _, cs, ce, _ = der_read(name_der, 0)
        for idx, rdn in enumerate(der_children(name_der, cs, ce)):
            for atv in der_children(name_der, rdn[2], rdn[3]):
                parts = der_children(name_der, atv[2], atv[3])
                oid = der_oid(name_der[parts[0][2]:parts[0][3]])
                out.append((idx, oid, parts[1][0], name_der[parts[1][2]:parts[1][3]]))
        return out


def alg_id_parts(alg_der):
    """(oid, params_der or None) from a raw AlgorithmIdentifier."""
    _, cs, ce, _ = der_read(alg_der, 0)
    kids = der_children(alg_der, cs, ce)
    oid = der_oid(alg_der[kids[0][2]:kids[0][3]])
    params = alg_der[kids[1][1]:kids[1][3]] if len(kids) > 1 else None
    return oid, params


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

OID_SHA256_RSA = "1.2.840.113549.1.1.11"
OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
OID_ECDSA_SHA384 = "1.2.840.10045.4.3.3"
SIG_ALG_NAMES = {
    OID_SHA256_RSA: "sha256WithRSAEncryption",
    OID_ECDSA_SHA256: "ecdsa-with-SHA256",
    OID_ECDSA_SHA384: "ecdsa-with-SHA384",
}
PRINTABLE_CHARS = set(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)
TAG_NAMES = {0x0C: "UTF8String", 0x13: "PrintableString", 0x14: "TeletexString",
             0x16: "IA5String", 0x1C: "UniversalString", 0x1E: "BMPString"}
ATTR_NAMES = {"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C",
              "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.5": "serialNumber",
              "0.9.2342.19200300.100.1.25": "DC", "1.2.840.113549.1.9.1": "emailAddress"}
KU_FIELDS = ["digital_signature", "content_commitment", "key_encipherment",
             "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
             "encipher_only", "decipher_only"]


def load_cert(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        cert = x509.load_pem_x509_certificate(data)
    else:
        cert = x509.load_der_x509_certificate(data)
    from cryptography.hazmat.primitives.serialization import Encoding
    der = cert.public_bytes(Encoding.DER)
    return cert, RawCert(der)


def utc_epoch(dt):
    """Epoch seconds for a cryptography validity datetime (naive UTC in v38,
    aware in newer versions' *_utc properties)."""
    if dt.tzinfo is not None:
        return dt.timestamp()
    return calendar.timegm(dt.utctimetuple())


def not_before(cert):
    return getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before


def not_after(cert):
    return getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after


def fmt_epoch(e):
    return datetime.datetime.utcfromtimestamp(e).strftime("%Y-%m-%dT%H:%M:%SZ")


def ku_set(ku):
    out = []
    for f in KU_FIELDS:
        try:
            if getattr(ku, f):
                out.append(f)
        except ValueError:  # encipher_only/decipher_only without key_agreement
            pass
    return out


def key_desc(pub):
    if isinstance(pub, rsa.RSAPublicKey):
        return "RSA-%d" % pub.key_size
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return "EC-%s" % pub.curve.name
    return type(pub).__name__


class Checker:
    def __init__(self):
        self.n = 0
        self.failures = []

    def check(self, rule, ok, detail=""):
        self.n += 1
        if not ok:
            self.failures.append({"rule": rule, "detail": detail})
        return ok

    def fail(self, rule, detail):
        self.check(rule, False, detail)


# --------------------------------------------------------------------------
# Shared rules
# --------------------------------------------------------------------------


def check_version(c, cert, raw):
    try:
        v = cert.version
        vname = v.name
    except Exception as e:  # InvalidVersion
        vname = "invalid (%s)" % e
    c.check("version", vname == "v3" and raw.version_raw == 2,
            "expected v3, got %s" % vname)


def check_serial(c, cert, raw):
    s = cert.serial_number
    c.check("serial-positive", s > 0, "serial must be positive, got %d" % s)
    c.check("serial-length", len(raw.serial_content) <= 20,
            "serial DER encoding is %d octets (max 20)" % len(raw.serial_content))
    c.check("serial-entropy", s.bit_length() >= 64,
            "serial %#x has only %d bits of magnitude (need >= 64)"
            % (s, s.bit_length()))


def check_sig_alg(c, cert, raw, signer_pub):
    """signature algorithm allowed and consistent with the signer key."""
    try:
        outer_oid, outer_params = alg_id_parts(raw.outer_sig_alg)
    except DERError as e:
        c.fail("sig-alg", "cannot parse signatureAlgorithm: %s" % e)
        return
    c.check("sig-alg-consistent", raw.outer_sig_alg == raw.tbs_sig_alg,
            "tbsCertificate.signature (%s) differs from signatureAlgorithm (%s)"
            % (raw.tbs_sig_alg.hex(), raw.outer_sig_alg.hex()))
    name = SIG_ALG_NAMES.get(outer_oid, outer_oid)
    if isinstance(signer_pub, rsa.RSAPublicKey):
        expected = OID_SHA256_RSA
    elif isinstance(signer_pub, ec.EllipticCurvePublicKey):
        expected = {"secp256r1": OID_ECDSA_SHA256,
                    "secp384r1": OID_ECDSA_SHA384}.get(signer_pub.curve.name)
    else:
        expected = None
    if expected is None:
        c.fail("sig-alg", "unsupported signer key %s (signature algorithm %s)"
               % (key_desc(signer_pub), name))
        return
    c.check("sig-alg", outer_oid == expected,
            "signature algorithm %s not allowed for %s signer (expected %s)"
            % (name, key_desc(signer_pub), SIG_ALG_NAMES[expected]))
    if outer_oid == OID_SHA256_RSA:
        c.check("sig-alg-params", outer_params == b"\x05\x00",
                "RSA AlgorithmIdentifier parameters must be NULL, got %s"
                % (outer_params.hex() if outer_params else "absent"))
    elif outer_oid in (OID_ECDSA_SHA256, OID_ECDSA_SHA384):
        c.check("sig-alg-params", outer_params is None,
                "ECDSA AlgorithmIdentifier parameters must be absent, got %s"
                % (outer_params.hex() if outer_params else ""))


def check_signature(c, rule, cert, signer_pub):
    try:
        h = cert.signature_hash_algorithm
        if isinstance(signer_pub, rsa.RSAPublicKey):
            signer_pub.verify(cert.signature, cert.tbs_certificate_bytes,
                              padding.PKCS1v15(), h)
        elif isinstance(signer_pub, ec.EllipticCurvePublicKey):
            signer_pub.verify(cert.signature, cert.tbs_certificate_bytes,
                              ec.ECDSA(h))
        else:
            c.fail(rule, "unsupported signer key type %s" % key_desc(signer_pub))
            return
        c.check(rule, True)
    except InvalidSignature:
        c.fail(rule, "signature does not verify with %s key" % key_desc(signer_pub))
    except Exception as e:
        c.fail(rule, "signature verification error: %s: %s" % (type(e).__name__, e))


def get_extensions(c, cert, raw):
    """Returns {oid_dotted: Extension} or None when extensions can't be parsed."""
    seen, dups = set(), []
    for o in raw.ext_oids:
        if o in seen:
            dups.append(o)
        seen.add(o)
    c.check("ext-duplicate", not dups, "duplicate extension(s): %s" % ", ".join(dups))
    try:
        exts = cert.extensions
    except Exception as e:  # DuplicateExtension, UnsupportedGeneralNameType, ...
        c.fail("ext-parse", "cannot parse extensions: %s: %s" % (type(e).__name__, e))
        return None
    c.check("ext-parse", True)
    return {e.oid.dotted_string: e for e in exts}


def check_ski(c, exts):
    ski = exts.get(ExtensionOID.SUBJECT_KEY_IDENTIFIER.dotted_string)
    if not c.check("ski", ski is not None, "subjectKeyIdentifier missing"):
        return None
    c.check("ski", not ski.critical, "subjectKeyIdentifier must be non-critical")
    c.check("ski", len(ski.value.digest) > 0, "subjectKeyIdentifier is empty")
    return ski.value.digest


# --------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------


def profile_kubelet_client(c, cert, raw, ca, ca_raw, node_name, now):
    exp_cn = None if node_name is None else "system:node:" + node_name
    profile_leaf(c, cert, raw, ca, ca_raw, now, cn=exp_cn, node_cn=True,
                 orgs=["system:nodes"], ekus=[ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string],
                 sans=None)


EKU_BY_NAME = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH.dotted_string,
               "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string}


def profile_leaf(c, cert, raw, ca, ca_raw, now, cn, node_cn, orgs, ekus, sans):
    """A leaf signed by `ca`: subject exactly CN (+ the O set), EKU exactly `ekus` (dotted, in
    order), SAN exactly the `sans` set of ("dns"|"ip", value) or absent when None."""
    check_version(c, cert, raw)

    # --- subject ---
    attrs = RawCert.name_attrs(raw.subject)
    cn_oid = NameOID.COMMON_NAME.dotted_string
    o_oid = NameOID.ORGANIZATION_NAME.dotted_string
    cns = [a for a in attrs if a[1] == cn_oid]
    os_ = [a for a in attrs if a[1] == o_oid]
    others = ["%s=%r" % (ATTR_NAMES.get(a[1], a[1]), a[3].decode("latin-1"))
              for a in attrs if a[1] not in (cn_oid, o_oid)]

    def val(a):
        codec = {0x1E: "utf-16-be", 0x1C: "utf-32-be", 0x14: "latin-1",
                 0x16: "latin-1", 0x13: "latin-1"}.get(a[2], "utf-8")
        try:
            return a[3].decode(codec)
        except UnicodeDecodeError:
            return repr(a[3])

    if c.check("subject-cn", len(cns) == 1,
               "expected exactly one CN, got %d: %s" % (len(cns), [val(a) for a in cns])):
        got_cn = val(cns[0])
        if cn is not None:
            c.check("subject-cn", got_cn == cn, "CN %r != expected %r" % (got_cn, cn))
        elif node_cn:
            c.check("subject-cn",
                    got_cn.startswith("system:node:") and len(got_cn) > len("system:node:"),
                    "CN %r is not system:node:<non-empty name>" % got_cn)
        else:
            c.check("subject-cn", len(got_cn) > 0, "CN is empty")
    got_orgs = sorted(val(a) for a in os_)
    c.check("subject-o", got_orgs == sorted(orgs),
            "O values %s != expected %s" % (got_orgs, sorted(orgs)))
    c.check("subject-attrs", not others,
            "unexpected subject attribute(s): %s" % ", ".join(others))
    for _, oid, tag, value in attrs:
        tname = TAG_NAMES.get(tag, "tag 0x%02x" % tag)
        oid = ATTR_NAMES.get(oid, oid)
        if not c.check("subject-encoding", tag in (0x0C, 0x13),
                       "attribute %s encoded as %s (need UTF8String or PrintableString)"
                       % (oid, tname)):
            continue
        if tag == 0x13:
            s = value.decode("latin-1")
            bad = sorted(set(s) - PRINTABLE_CHARS)
            c.check("subject-encoding", not bad,
                    "attribute %s PrintableString contains invalid chars %r" % (oid, bad))
        else:
            try:
                value.decode("utf-8")
                c.check("subject-encoding", True)
            except UnicodeDecodeError:
                c.fail("subject-encoding", "attribute %s UTF8String is not valid UTF-8" % oid)

    # --- issuer / signature ---
    c.check("issuer-match", raw.issuer == ca_raw.subject,
            "issuer DER %s != CA subject DER %s" % (raw.issuer.hex(), ca_raw.subject.hex()))
    ca_pub = ca.public_key()
    check_sig_alg(c, cert, raw, ca_pub)
    check_signature(c, "signature", cert, ca_pub)

    # --- extensions ---
    exts = get_extensions(c, cert, raw)
    if exts is not None:
        E = ExtensionOID
        bc = exts.get(E.BASIC_CONSTRAINTS.dotted_string)
        if c.check("basic-constraints", bc is not None, "basicConstraints missing"):
            c.check("basic-constraints", bc.critical, "basicConstraints must be critical")
            c.check("basic-constraints", bc.value.ca is False,
                    "basicConstraints ca=%s (must be False)" % bc.value.ca)

        ku = exts.get(E.KEY_USAGE.dotted_string)
        if c.check("key-usage", ku is not None, "keyUsage missing"):
            c.check("key-usage", ku.critical, "keyUsage must be critical")
            got = ku_set(ku.value)
            leaf_pub = cert.public_key()
            if isinstance(leaf_pub, rsa.RSAPublicKey):
                allowed = {"digital_signature", "key_encipherment"}
            else:
                allowed = {"digital_signature"}
            c.check("key-usage", "digital_signature" in got,
                    "digitalSignature not set (got %s)" % got)
            extra = [u for u in got if u not in allowed]
            c.check("key-usage", not extra,
                    "usage(s) %s not allowed for %s subject key (got %s)"
                    % (extra, key_desc(leaf_pub), got))

        eku = exts.get(E.EXTENDED_KEY_USAGE.dotted_string)
        if c.check("ext-key-usage", eku is not None, "extendedKeyUsage missing"):
            c.check("ext-key-usage", not eku.critical,
                    "extendedKeyUsage must be non-critical")
            got = [o.dotted_string for o in eku.value]
            names = [getattr(o, "_name", o.dotted_string) for o in eku.value]
            c.check("ext-key-usage", got == ekus,
                    "extendedKeyUsage must be exactly %s, got %s" % (ekus, names))

        check_ski(c, exts)

        aki = exts.get(E.AUTHORITY_KEY_IDENTIFIER.dotted_string)
        if c.check("aki", aki is not None, "authorityKeyIdentifier missing"):
            c.check("aki", not aki.critical, "authorityKeyIdentifier must be non-critical")
            kid = aki.value.key_identifier
            try:
                ca_ski = ca.extensions.get_extension_for_oid(
                    E.SUBJECT_KEY_IDENTIFIER).value.digest
            except Exception:
                ca_ski = None
            if ca_ski is None:
                c.fail("aki", "CA certificate has no subjectKeyIdentifier to match")
            else:
                c.check("aki", kid == ca_ski,
                        "authorityKeyIdentifier keyid %s != CA subjectKeyIdentifier %s"
                        % (kid.hex() if kid else "absent", ca_ski.hex()))

        san = exts.get(E.SUBJECT_ALTERNATIVE_NAME.dotted_string)
        if sans is None:
            c.check("san-absent", san is None,
                    "subjectAltName present: %s" % (san.value if san else ""))
        elif c.check("san", san is not None, "subjectAltName missing"):
            c.check("san", not san.critical, "subjectAltName must be non-critical (subject set)")
            got_sans = set()
            other = []
            for gn in san.value:
                if isinstance(gn, x509.DNSName):
                    got_sans.add(("dns", gn.value))
                elif isinstance(gn, x509.IPAddress):
                    got_sans.add(("ip", str(gn.value)))
                else:
                    other.append(repr(gn))
            c.check("san", not other, "unexpected general name types: %s" % other)
            c.check("san", got_sans == set(sans),
                    "subjectAltName %s != expected %s" % (sorted(got_sans), sorted(sans)))

        allowed_exts = {E.BASIC_CONSTRAINTS, E.KEY_USAGE, E.EXTENDED_KEY_USAGE,
                        E.SUBJECT_KEY_IDENTIFIER, E.AUTHORITY_KEY_IDENTIFIER,
                        E.SUBJECT_ALTERNATIVE_NAME}  # SAN reported by san-absent
        allowed_dotted = {o.dotted_string for o in allowed_exts}
        unexpected = ["%s%s" % (o, " (critical)" if exts[o].critical else "")
                      for o in exts if o not in allowed_dotted]
        c.check("ext-unexpected", not unexpected,
                "unexpected extension(s): %s" % ", ".join(unexpected))

    # --- serial ---
    check_serial(c, cert, raw)

    # --- validity ---
    nb = utc_epoch(not_before(cert))
    na = utc_epoch(not_after(cert))
    ca_na = utc_epoch(not_after(ca))
    lo, hi = now - 300 - 120, now - 300 + 120
    c.check("not-before", lo <= nb <= hi,
            "notBefore %s not within [%s, %s] (now-5m +/-120s, now=%s)"
            % (fmt_epoch(nb), fmt_epoch(lo), fmt_epoch(hi), fmt_epoch(now)))
    c.check("not-after-ca", na <= ca_na,
            "notAfter %s is after CA notAfter %s" % (fmt_epoch(na), fmt_epoch(ca_na)))
    c.check("validity-order", na > nb,
            "notAfter %s is not after notBefore %s" % (fmt_epoch(na), fmt_epoch(nb)))


def profile_ca(c, cert, raw):
    check_version(c, cert, raw)
    c.check("self-issued", raw.issuer == raw.subject,
            "issuer DER %s != subject DER %s" % (raw.issuer.hex(), raw.subject.hex()))
    pub = cert.public_key()
    check_sig_alg(c, cert, raw, pub)
    check_signature(c, "self-signature", cert, pub)

    exts = get_extensions(c, cert, raw)
    if exts is not None:
        E = ExtensionOID
        bc = exts.get(E.BASIC_CONSTRAINTS.dotted_string)
        if c.check("basic-constraints", bc is not None, "basicConstraints missing"):
            c.check("basic-constraints", bc.critical, "basicConstraints must be critical")
            c.check("basic-constraints", bc.value.ca is True,
                    "basicConstraints ca=%s (must be True)" % bc.value.ca)

        ku = exts.get(E.KEY_USAGE.dotted_string)
        if c.check("key-usage", ku is not None, "keyUsage missing"):
            c.check("key-usage", ku.critical, "keyUsage must be critical")
            got = ku_set(ku.value)
            missing = [u for u in ("key_cert_sign", "crl_sign") if u not in got]
            c.check("key-usage", not missing,
                    "required usage(s) %s not set (got %s)" % (missing, got))
            extra = [u for u in got
                     if u not in ("key_cert_sign", "crl_sign", "digital_signature")]
            c.check("key-usage", not extra,
                    "usage(s) %s not allowed on CA (got %s)" % (extra, got))

        eku = exts.get(E.EXTENDED_KEY_USAGE.dotted_string)
        c.check("eku-absent", eku is None,
                "extendedKeyUsage present on CA: %s"
                % ([getattr(o, "_name", o.dotted_string) for o in eku.value] if eku else ""))

        check_ski(c, exts)

    check_serial(c, cert, raw)


# --------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description="Independent X.509 profile checker for signet")
    ap.add_argument("--profile", required=True, choices=["kubelet-client", "leaf", "ca"])
    ap.add_argument("--cert", required=True, help="certificate to check (PEM or DER)")
    ap.add_argument("--ca", help="issuing CA certificate (required for kubelet-client)")
    ap.add_argument("--node-name", help="expected node name (CN system:node:<name>)")
    ap.add_argument("--now-epoch", type=float, help="current time (default: time.time())")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--expect-cn", help="leaf: exact subject CN")
    ap.add_argument("--expect-o", action="append", default=[],
                    help="leaf: one expected O value (repeat; none: no O)")
    ap.add_argument("--expect-eku", default="",
                    help="leaf: comma list of serverAuth,clientAuth in certificate order")
    ap.add_argument("--expect-dns", default=None, help="leaf: comma list of DNS SANs")
    ap.add_argument("--expect-ip", default=None, help="leaf: comma list of IP SANs")
    args = ap.parse_args(argv)
    if args.profile in ("kubelet-client", "leaf") and not args.ca:
        ap.error("--ca is required for --profile %s" % args.profile)
    if args.profile == "leaf" and (not args.expect_cn or not args.expect_eku):
        ap.error("--expect-cn and --expect-eku are required for --profile leaf")
    bad_eku = [e for e in args.expect_eku.split(",") if e and e not in EKU_BY_NAME]
    if bad_eku:
        ap.error("--expect-eku: unknown %s" % bad_eku)
    now = args.now_epoch if args.now_epoch is not None else time.time()

    c = Checker()
    try:
        cert, raw = load_cert(args.cert)
    except Exception as e:
        c.fail("load", "cannot load %s: %s: %s" % (args.cert, type(e).__name__, e))
        cert = None
    ca = ca_raw = None
    if cert is not None and args.profile in ("kubelet-client", "leaf"):
        try:
            ca, ca_raw = load_cert(args.ca)
        except Exception as e:
            c.fail("load", "cannot load CA %s: %s: %s" % (args.ca, type(e).__name__, e))

    if not c.failures:
        try:
            if args.profile == "kubelet-client":
                profile_kubelet_client(c, cert, raw, ca, ca_raw, args.node_name, now)
            elif args.profile == "leaf":
                sans = None
                if args.expect_dns is not None or args.expect_ip is not None:
                    sans = [("dns", d) for d in (args.expect_dns or "").split(",") if d]
                    sans += [("ip", i) for i in (args.expect_ip or "").split(",") if i]
                profile_leaf(c, cert, raw, ca, ca_raw, now, cn=args.expect_cn, node_cn=False,
                             orgs=args.expect_o,
                             ekus=[EKU_BY_NAME[e] for e in args.expect_eku.split(",") if e],
                             sans=sans)
            else:
                profile_ca(c, cert, raw)
        except Exception as e:  # never crash silently: report as a failure
            c.fail("internal", "%s: %s" % (type(e).__name__, e))

    ok = not c.failures
    if args.json:
        print(json.dumps({"ok": ok, "checks": c.n, "failures": c.failures}))
    else:
        for f in c.failures:
            print("FAIL %s: %s" % (f["rule"], f["detail"]))
        if ok:
            print("ok: %d checks" % c.n)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
