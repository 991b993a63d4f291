"""Sealed ballots: a secret vote's answers and receipt codes are kept encrypted until the vote closes.

While a secret vote is open its ballots sit in the table in the order they were cast (PostgreSQL's heap keeps
insertion order), next to participations with serial ids: readable, a row could be lined up with its voter. So
each row holds only an authenticated ciphertext (AES-256-GCM) of the answer and the receipt, padded to one
length whatever the answer. The key of each vote is derived from the app's SECRET_KEY (HKDF-SHA256, the vote's
id as context) and never stored: the database alone cannot open the box. Closing opens it (see
services.close), writing the plain ballots afresh in a random order.
"""
import json
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

FORMAT = b"\x01"
NONCE_BYTES = 12
# Every plaintext is padded to this length: a receipt and the longest answer (a ranking of the 20 demands a
# ballot may hold, ids of up to ten digits) take about 270 bytes. Yes, no, abstain and every ranking length
# therefore seal to the same number of bytes.
PLAINTEXT_BYTES = 512
SEALED_BYTES = len(FORMAT) + NONCE_BYTES + PLAINTEXT_BYTES + 16  # the GCM tag


class Unreadable(Exception):
    """No configured key opens this sealed ballot (SECRET_KEY changed, or the row was altered)."""


def _key(secret, poll_id: int) -> bytes:
    secret = secret.encode() if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"civicvoice sealed ballots of poll %d" % poll_id).derive(secret)


def _keys(poll_id: int) -> list[bytes]:
    """The current key first, then those of SECRET_KEY_FALLBACKS (a key being rotated out while a vote is open)."""
    configured = [current_app.config["SECRET_KEY"], *(current_app.config.get("SECRET_KEY_FALLBACKS") or [])]
    return [_key(secret, poll_id) for secret in configured if secret]


def _context(poll_id: int) -> bytes:
    # Bound to its vote: a sealed row copied into another vote does not open there.
    return b"poll:%d" % poll_id


def seal(poll_id: int, receipt: str, choice: str | None, ranking: list[int] | None) -> bytes:
    payload = json.dumps({"r": receipt, "c": choice, "k": ranking}, separators=(",", ":")).encode()
    if len(payload) > PLAINTEXT_BYTES - 2:
        raise ValueError("ballot too long to seal")
    padded = struct.pack(">H", len(payload)) + payload + bytes(PLAINTEXT_BYTES - 2 - len(payload))
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + AESGCM(_keys(poll_id)[0]).encrypt(nonce, padded, _context(poll_id))


def unseal(poll_id: int, sealed: bytes) -> dict:
    """{"receipt", "choice", "ranking"} of a sealed ballot; Unreadable when no configured key opens it."""
    sealed = bytes(sealed)
    if len(sealed) != SEALED_BYTES or sealed[:1] != FORMAT:
        raise Unreadable()
    nonce, body = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
    for key in _keys(poll_id):
        try:
            padded = AESGCM(key).decrypt(nonce, body, _context(poll_id))
        except InvalidTag:
            continue
        (length,) = struct.unpack(">H", padded[:2])
        payload = json.loads(padded[2:2 + length])
        return {"receipt": payload["r"], "choice": payload["c"], "ranking": payload["k"]}
    raise Unreadable()
