#!/usr/bin/env python3
# A second, independent implementation of the device protocol's checks (docs/device-protocol.md),
# in Python with the `cryptography` package and the standard json module: it verifies every test
# vector in docs/device-protocol-vectors.json and exits non-zero when one disagrees.
import base64
import hashlib
import hmac
import json
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

DECISION_TYP = "hda-decision+jwt"
REQUEST_TYP = "hda-request+jwt"
PAYLOAD_TYP = "helpdesk-auth/decision/v1"
MEMBERS = {"typ", "verificationId", "decision", "code", "nonce", "iat", "actionSummary"}
DECISIONS = {"approve", "deny", "report_fraud"}
STATUS = {
    "DECISION_SIGNATURE_INVALID": 401,
    "DEVICE_PROOF_INVALID": 401,
    "DEVICE_REVOKED": 401,
    "USER_VERIFICATION_REQUIRED": 403,
}


def b64u_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key(jwk):
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not a P-256 key")
    x = int.from_bytes(b64u_decode(jwk["x"]), "big")
    y = int.from_bytes(b64u_decode(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def verify_jws(compact, jwk):
    """ES256 compact JWS (RFC 7515, RFC 7518 section 3.4): the payload bytes, or None."""
    parts = compact.split(".")
    if len(parts) != 3:
        return None
    signature = b64u_decode(parts[2])
    if len(signature) != 64:
        return None
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key(jwk).verify(der, (parts[0] + "." + parts[1]).encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return None
    return b64u_decode(parts[1])


def header_of(compact):
    try:
        header = json.loads(b64u_decode(compact.split(".")[0]))
    except (ValueError, IndexError):
        return None
    return header if isinstance(header, dict) else None


def jcs(value):
    """RFC 8785 for what a decision payload holds: an object of strings, whole numbers and null."""
    if not isinstance(value, dict) or not all(k.isascii() for k in value):
        raise ValueError("only objects with ASCII member names")
    for member in value.values():
        if isinstance(member, float) or isinstance(member, bool):
            raise ValueError("only strings, whole numbers and null")
    # For such objects, json.dumps with sorted keys, no white space and no ASCII escaping writes
    # the RFC 8785 form: ECMAScript's string escapes (\b \f \n \r \t \" \\, \u00xx lower case).
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_whole(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int)


def well_formed(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a lone surrogate from a \ud83c escape
        return False


def read_payload(payload, verification_id, action_summary):
    """The decision payload's members compared with the request; None when the payload is refused."""
    try:
        fields = json.loads(payload.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(fields, dict) or set(fields) != MEMBERS:
        return None
    code, nonce, iat, summary = fields["code"], fields["nonce"], fields["iat"], fields["actionSummary"]
    if fields["typ"] != PAYLOAD_TYP or fields["verificationId"] != verification_id:
        return None
    if fields["decision"] not in DECISIONS or not isinstance(fields["decision"], str):
        return None
    if code is not None and not (isinstance(code, str) and re.fullmatch(r"[0-9]{1,6}", code)):
        return None
    if not isinstance(nonce, str) or not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", nonce):
        return None
    if not is_whole(iat) or iat < 0:
        return None
    if summary is not None and not (isinstance(summary, str) and well_formed(summary)):
        return None
    # Code point for code point: no normalisation, however the JSON escaped it.
    if summary != action_summary:
        return None
    return fields


def judge_decision(vectors, vector):
    refused = lambda code: {"outcome": "refused", "status": STATUS[code], "code": code}  # noqa: E731
    header = header_of(vector["signedDecision"])
    if header is None or header.get("typ") != DECISION_TYP or header.get("alg") != "ES256":
        return refused("DECISION_SIGNATURE_INVALID")
    device = vectors["keys"]["device"]
    if header.get("kid") != device["id"]:
        return refused("DEVICE_PROOF_INVALID")  # "Unknown device."
    payload = verify_jws(vector["signedDecision"], device["publicJwk"])
    if payload is None:
        return refused("DECISION_SIGNATURE_INVALID")
    stored = next(s for s in vectors["storedRequests"] if s["verificationId"] == vector["verificationId"])
    fields = read_payload(payload, vector["verificationId"], stored["actionSummary"])
    if fields is None:
        return refused("DECISION_SIGNATURE_INVALID")
    if vector["deviceStatus"] != "active":
        return refused("DEVICE_REVOKED")
    decision = fields["decision"]
    if decision == "approve" and vector["requireUserVerification"]:
        return refused("USER_VERIFICATION_REQUIRED")
    if abs(fields["iat"] - vectors["now"]) > vectors["maxAgeSeconds"]:
        return refused("DEVICE_PROOF_INVALID")
    typed = fields["code"]
    matches = decision == "approve" and isinstance(typed, str) and hmac.compare_digest(typed, stored["code"])
    return {"outcome": "accepted", "decision": decision, "codeMatches": matches}


def judge_request(vectors, vector):
    header = header_of(vector["signedRequest"])
    if header is None or header.get("typ") != REQUEST_TYP or header.get("alg") != "ES256":
        return False
    key = next((k for k in vectors["jwks"]["keys"] if k.get("kid") == header.get("kid")), None)
    if key is None:
        return False
    payload = verify_jws(vector["signedRequest"], key)
    if payload is None:
        return False
    claims = json.loads(payload.decode("utf-8"))
    return (
        claims.get("iss") == vectors["issuer"]
        and claims.get("sub") == vectors["customerId"]
        and claims.get("jti") == vector["verificationId"]
    )


def main(path):
    with open(path, encoding="utf-8") as file:
        vectors = json.load(file)
    failures = 0
    counts = {"requests": 0, "decisions": 0, "webauthnChallenges": 0}

    def report(kind, name, ok, detail=""):
        nonlocal failures
        counts[kind] += 1
        if not ok:
            failures += 1
        print(("ok   " if ok else "FAIL ") + kind + ": " + name + ("" if ok else " " + detail))

    for vector in vectors["requests"]:
        accepted = judge_request(vectors, vector)
        report("requests", vector["name"], accepted == (vector["expected"]["outcome"] == "accepted"))
    for vector in vectors["decisions"]:
        outcome = judge_decision(vectors, vector)
        report("decisions", vector["name"], outcome == vector["expected"], json.dumps(outcome))
    for vector in vectors["webauthnChallenges"]:
        text = jcs(vector["input"])
        data = text.encode("utf-8")
        challenge = b64u_encode(hashlib.sha256(data).digest())
        ok = text == vector["jcs"] and data.hex() == vector["jcsHex"] and challenge == vector["challenge"]
        report("webauthnChallenges", vector["name"], ok, challenge)

    print("checked " + ", ".join(f"{count} {kind}" for kind, count in counts.items()) + f"; {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/device-protocol-vectors.json"))
