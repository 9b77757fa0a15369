"""The fake Hub the estimator's tests fetch from: `tests/fakehub` with the `acme/*` model repos.

Two entries per tree page, so every fetch of a sharded repo follows the Link pagination; `TOKEN` is
valid and approved for the gated repo.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakehub import FakeHub, models

from .helpers import TOKEN


@pytest.fixture(scope="module")
def hub() -> Iterator[FakeHub]:
    with FakeHub(page_size=2) as fake:
        repos = models.estimator_repos(fake)
        fake.add_token(TOKEN)
        repos["acme/gated"].approved.add(TOKEN)
        yield fake
