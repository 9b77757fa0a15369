"""What stands between a request and the API: checks in the order a request meets them.

    SecurityHeaders      every response: nosniff, Referrer-Policy, frame protection, CSP on HTML
     └─ HostCheck         Host allow-list against DNS rebinding (403 before routing)
         └─ ProxyHeaders  X-Forwarded-* believed only from FORWARDED_ALLOW_IPS
             └─ CrossSiteGuard   state-changing requests from another site (403)
                 └─ TokenAuth     optional access token (401)
                     └─ BodyLimit     1 MiB for every body but uploads (413)
                         └─ AuditLog      one line per state-changing request

The model is Jupyter Server's: a loopback server is reachable by every web page the user opens and
by every local user, so the server itself must tell its own UI apart from everyone else.
docs/security.md has the threat model and the settings.
"""

from __future__ import annotations

from odh_tec.security.policy import SecurityPolicy
from odh_tec.security.stack import install_security

__all__ = ["SecurityPolicy", "install_security"]
