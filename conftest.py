"""Fixtures shared by every test: personas, and a client signed in as one of them (MFA done)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.testing.personas import Personas, make_personas


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def client_for(client: Client) -> Callable[[User], Client]:
    """A test client signed in as `user`, past the second step (force_login skips allauth)."""

    def sign_in(user: User) -> Client:
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return sign_in
