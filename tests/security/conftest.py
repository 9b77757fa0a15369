"""The recording loopback listeners of test_secrets, for every secrets test of this folder."""

from .test_secrets import listener, make_listener  # noqa: F401 - fixtures
