"""Puts the checks around the app, outermost first (see the package docstring)."""

from __future__ import annotations

from fastapi import FastAPI

from odh_tec.security.audit import AuditLog
from odh_tec.security.auth import TokenAuth
from odh_tec.security.body_limit import BodyLimit
from odh_tec.security.headers import SecurityHeaders
from odh_tec.security.hosts import HostCheck
from odh_tec.security.origin import CrossSiteGuard
from odh_tec.security.policy import SecurityPolicy
from odh_tec.security.proxy import ProxyHeaders


def install_security(app: FastAPI, policy: SecurityPolicy) -> None:
    # add_middleware puts each new one outside the previous: add the innermost first.
    app.add_middleware(BodyLimit, api_root=policy.api_root)
    app.add_middleware(TokenAuth, policy=policy)
    app.add_middleware(CrossSiteGuard)
    # Outside the guards, so refused requests are logged too; inside ProxyHeaders, which names the user.
    app.add_middleware(AuditLog, auth=policy.auth)
    app.add_middleware(ProxyHeaders, policy=policy)
    app.add_middleware(HostCheck, policy=policy)
    app.add_middleware(SecurityHeaders)
