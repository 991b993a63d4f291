"""Where an online signature came from, as much as a bulk invalidation needs and no more: keyed hashes of the
signer's network and email domain. The address itself is never stored, and without SECRET_KEY a hash names
nothing. And where signing is refused or free of the per-IP limit (the allow and block lists of config.py)."""
import hashlib
import hmac
import ipaddress
import re

from flask import current_app

from ..accounts.services import email_key

# One home, office or carrier's block: a burst from one place shares it, neighbours on other blocks do not.
PREFIXES = {4: 24, 6: 48}
# The committee sees a network as this many hex characters of its hash, and filters on them: short enough to
# read out, long enough that two networks of one demand practically never share one (the column keeps no more).
LABEL_LENGTH = 8
DOMAIN_HASH_LENGTH = 16
LABEL = re.compile(rf"^[0-9a-f]{{{LABEL_LENGTH}}}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _key() -> bytes:
    """A key of its own, derived from SECRET_KEY (rotating that key starts new labels)."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"civicvoice signatures networks",
                    hashlib.sha256).digest()


def _hash(kind: str, value: str) -> str:
    return hmac.new(_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


# What the allow and block lists make of a signing request (signing_access).
BLOCKED, ALLOWED, LIMITED = "blocked", "allowed", "limited"


def _ip(address: str | None):
    """The IP address `address` names (an IPv4 one written as IPv6, ::ffff:203.0.113.7, is the IPv4 one), or None."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped is not None else ip


def signing_access(address: str | None, user=None) -> str:
    """BLOCKED when `address` is in SIGN_BLOCK_NETWORKS, whatever else is allowed (a VPN's exit may carry any
    email domain: as the UK petitions site decided, the block wins); ALLOWED when it is in SIGN_ALLOW_NETWORKS, or
    when `user`'s verified address is at a domain of SIGN_ALLOW_DOMAINS (an unverified one is only typed);
    LIMITED otherwise, like anyone."""
    config = current_app.config
    ip = _ip(address)
    if ip is not None and any(ip in block for block in config["SIGN_BLOCK_NETWORKS"]):
        return BLOCKED
    if ip is not None and any(ip in allowed for allowed in config["SIGN_ALLOW_NETWORKS"]):
        return ALLOWED
    if user is not None and user.email_verified_at is not None and config["SIGN_ALLOW_DOMAINS"]:
        if domain(user.email) in {domain(name) for name in config["SIGN_ALLOW_DOMAINS"]}:
            return ALLOWED
    return LIMITED


def network(address: str | None) -> str | None:
    """The network `address` belongs to ("203.0.113.0/24", "2001:db8:1::/48"), or None when it is no IP address.
    An IPv4 address written as IPv6 (::ffff:203.0.113.7) is the IPv4 one."""
    ip = _ip(address)
    if ip is None:
        return None
    return str(ipaddress.ip_network(f"{ip}/{PREFIXES[ip.version]}", strict=False))


def network_label(address: str | None) -> str | None:
    """The label of the network `address` belongs to: what is stored, shown and filtered on."""
    block = network(address)
    return _hash("network", block)[:LABEL_LENGTH] if block else None


def domain(text: str | None) -> str | None:
    """The email domain of an address or of a typed domain ("@Gmail.com", "user@googlemail.com": "gmail.com"),
    as the mailbox rules read it; None when it is no domain."""
    value = (text or "").strip().rpartition("@")[2].strip().rstrip(".")
    if not value:
        return None
    value = email_key(f"x@{value}").rpartition("@")[2]
    try:
        value = value.encode("idna").decode("ascii")  # an Arabic domain and its xn-- spelling are one domain
    except UnicodeError:
        return None
    return value if _DOMAIN.match(value) else None


def domain_hash(text: str | None) -> str | None:
    """What is stored and matched for an email domain (an address or a typed domain)."""
    name = domain(text)
    return _hash("domain", name)[:DOMAIN_HASH_LENGTH] if name else None
