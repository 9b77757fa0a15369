"""The security posture, decided once at start-up from the configuration.

Defaults follow where the app runs:
- bound to loopback (a laptop): only loopback Host names, no token;
- bound elsewhere with `NB_PREFIX` (a workbench, behind the platform's OAuth proxy): no token;
- bound elsewhere with neither a token nor `AUTH=proxy`/`AUTH=none`: refuse to start.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field

from odh_tec.config import Config

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
AUTH_MODES = ("", "token", "proxy", "none")


class InsecureConfiguration(RuntimeError):
    """The settings would expose the API to anyone who can reach the address: refuse to start."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _names(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",") if part.strip()]


@dataclass
class ProxyTrust:
    """Which peers may speak for the client through X-Forwarded-* headers."""

    anyone: bool = False
    networks: list = field(default_factory=list)

    @classmethod
    def parse(cls, value: str) -> ProxyTrust:
        names = _names(value)
        if "*" in names:
            return cls(anyone=True)
        networks = []
        for name in names:
            try:
                networks.append(ipaddress.ip_network(name, strict=False))
            except ValueError as exc:
                raise InsecureConfiguration(f"FORWARDED_ALLOW_IPS: '{name}' is not an IP address or network") from exc
        return cls(networks=networks)

    def trusts(self, peer: str | None) -> bool:
        if self.anyone:
            return True
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False  # a Unix socket peer has no address: nothing to trust
        return any(address in network for network in self.networks)


@dataclass
class SecurityPolicy:
    bind_host: str
    api_root: str
    prefix: str
    # None: any Host is accepted.
    allowed_hosts: frozenset[str] | None
    # Host names given as '.example.com' accept every subdomain.
    allowed_suffixes: tuple[str, ...]
    accept_ip_hosts: bool
    proxies: ProxyTrust
    auth: str  # "token" or "" (no token asked)
    token: str = ""
    token_generated: bool = False

    @classmethod
    def from_config(cls, config: Config, bind_host: str | None = None) -> SecurityPolicy:
        bind_host = bind_host if bind_host is not None else config.ip
        loopback = is_loopback(bind_host)
        mode = config.auth.strip().lower()
        if mode not in AUTH_MODES:
            raise InsecureConfiguration(f"AUTH must be one of token, proxy, none (got '{config.auth}')")
        token = config.auth_token.strip()
        generated = False
        if mode == "token" or (not mode and token):
            if not token:
                token, generated = secrets.token_urlsafe(32), True
            auth = "token"
        else:
            auth = ""
            if not mode and not loopback and not config.nb_prefix:
                raise InsecureConfiguration(
                    f"Refusing to listen on {bind_host} without protection: anyone who can reach this address "
                    "could read and delete your data. Set AUTH=token (a login token is printed at start) or "
                    "AUTH_TOKEN=<secret>; or AUTH=proxy when an authenticating proxy (such as the OpenShift "
                    "OAuth proxy) is the only way in; or AUTH=none to accept the risk. See docs/security.md."
                )

        listed = _names(config.allowed_hosts)
        allowed: frozenset[str] | None
        suffixes: tuple[str, ...]
        if "*" in listed:
            allowed, suffixes = None, ()
        elif not listed and not loopback:
            # Bound to every interface with no list: the address is not a loopback one, so a DNS
            # rebinding page cannot reach it from the user's own machine; Jupyter turns the check off
            # here too. ALLOWED_HOSTS turns it back on (docs/security.md).
            allowed, suffixes = None, ()
        else:
            exact = {n for n in listed if not n.startswith(".")}
            allowed = frozenset(LOOPBACK_NAMES | exact)
            suffixes = tuple(n for n in listed if n.startswith("."))
        return cls(
            bind_host=bind_host,
            api_root=f"{config.nb_prefix}/api",
            prefix=config.nb_prefix,
            allowed_hosts=allowed,
            allowed_suffixes=suffixes,
            # Kubelet probes and in-cluster clients use the pod IP as Host; an IP literal can never be
            # a rebinding attack (the attacker's page would have to be served from that address).
            accept_ip_hosts=not loopback,
            proxies=ProxyTrust.parse(config.forwarded_allow_ips),
            auth=auth,
            token=token,
            token_generated=generated,
        )

    def host_allowed(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        host = host.lower().rstrip(".")
        if host in self.allowed_hosts or host.strip("[]") in self.allowed_hosts:
            return True
        if self.accept_ip_hosts and is_ip_literal(host):
            return True
        return any(host.endswith(suffix) or host == suffix[1:] for suffix in self.allowed_suffixes)

    def login_url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{self.prefix}/login?token={self.token}"
