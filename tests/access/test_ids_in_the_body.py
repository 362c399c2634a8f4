"""Writes that name their object in the body, not in the URL, so the route matrix cannot fill them in:
the API key page renews and revokes a key by the id in the form. Only its owner may (issue 10)."""

import pytest

from accounts.models import ApiToken

from .harness import RoleClient, is_refused_write
from .world import APPLICANT, OWN, ROLES


@pytest.mark.parametrize("role", [r for r in ROLES if r != APPLICANT])
@pytest.mark.parametrize("action", ["renew", "revoke"])
def test_nobody_but_the_owner_renews_or_revokes_a_key(world, db, role, action):
    token = ApiToken.objects.get(pk=world.objects["api_token"][OWN])
    response = RoleClient(world, role).request("post", "/konto/api-schluessel/", {"action": action, "token": token.pk})

    assert is_refused_write(response), response.status_code
    after = ApiToken.objects.get(pk=token.pk)
    assert (after.revoked_at, after.key_hash) == (token.revoked_at, token.key_hash)
    assert ApiToken.objects.filter(user=token.user).count() == 1


def test_the_owner_may_revoke_the_key(world, db):
    """The check above can fail: the same request by the owner does revoke it."""
    token = ApiToken.objects.get(pk=world.objects["api_token"][OWN])
    response = RoleClient(world, APPLICANT).request("post", "/konto/api-schluessel/",
                                                    {"action": "revoke", "token": token.pk})

    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
