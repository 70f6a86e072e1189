#!/usr/bin/env python3
"""Writes signatures.json: HMAC-SHA256 test vectors made with Python's own hmac module, the
code Sauce Labs' docs show, so that the crate is checked against an independent implementation.

Run from this directory: python3 make_signatures.py
Bodies are stored as hex, except the 1 MiB one, stored as a recipe the test rebuilds:
byte i is (i * 31 + 7) % 256.
"""
import hashlib
import hmac
import json

def sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.sha256).hexdigest()

with open("../../src/testing/payloads/vdc_job_failed.json", "rb") as f:
    job = f.read()

mib = bytes((i * 31 + 7) % 256 for i in range(1 << 20))

vectors = []
def add(name, secret: bytes, body: bytes, recipe=None):
    entry = {"name": name, "secret_hex": secret.hex(), "signature": sign(secret, body)}
    if recipe:
        entry["body_recipe"] = recipe
    else:
        entry["body_hex"] = body.hex()
    vectors.append(entry)

add("ascii secret, short JSON", b"3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d", b'{"id":"a1","status":"FAILED"}')
add("unicode secret", "clé-secrète-🔑-ключ".encode("utf-8"), b'{"id":"a1","status":"PASSED"}')
add("empty body", b"webhook-token", b"")
add("non-UTF-8 body", b"webhook-token", bytes([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b, 0x7d]))
add("1.5 KB job (src/testing/payloads/vdc_job_failed.json)", b"3c1a7e0e-4f6b-4bd4-9d68-5b7c2e1f0a9d", job)
add("secret longer than a SHA-256 block", b"k" * 100, b'{"id":"long-key"}')
add("1 MiB body", b"webhook-token", mib, recipe={"len": 1 << 20, "mul": 31, "add": 7})

with open("signatures.json", "w") as f:
    json.dump({"generator": "make_signatures.py (Python hmac + hashlib.sha256)", "vectors": vectors}, f, indent=2)
    f.write("\n")
