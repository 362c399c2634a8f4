"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (`saml2.server.Server`) with its own
throwaway RSA key and self-signed certificate, generated per test session (nothing is committed).

It signs with the xmlsec1 binary, reads our SP's metadata from the portal's metadata URL, parses
the AuthnRequest our SP sends (HTTP-Redirect binding) and answers with a signed Response for the
HTTP-POST binding — what BundID does, without its encryption of the assertion.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.services import unavailable

XMLSEC1 = "/usr/bin/xmlsec1"
IDP_ENTITY_ID = "https://idp.bundid.test/idp/metadata"
SSO_URL = "https://idp.bundid.test/idp/sso"
SLO_URL = "https://idp.bundid.test/idp/slo"

# BundID-like attribute names (accounts.identity.PRESETS["bundid"])
BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
TRUST_LEVEL = "urn:oid:1.2.40.0.10.2.1.1.261.94"


def require_xmlsec1() -> str:
    """The xmlsec1 binary pysaml2 signs with: skip without it, fail under REQUIRE_SERVICES=1."""
    path = XMLSEC1 if Path(XMLSEC1).exists() else shutil.which("xmlsec1")
    if not path:
        unavailable("needs the xmlsec1 binary (apt-get install xmlsec1)")
    return path


def make_key_and_certificate(directory: Path, name: str) -> tuple[Path, Path, str]:
    """A fresh RSA key and self-signed certificate (PEM files) and the certificate's base64 body."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} (test only)")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(pem)
    body = "".join(line for line in pem.decode().splitlines() if "-----" not in line)
    return key_path, cert_path, body


@dataclass
class TestIdP:
    """One pysaml2 IdP; `signing` chooses the key the assertions are signed with."""

    directory: Path
    key: Path
    cert: Path
    cert_body: str
    other_key: Path
    other_cert: Path
    xmlsec: str
    sp_metadata: dict = field(default_factory=dict)

    def metadata_xml(self) -> str:
        """The IdP's own metadata (what the ministry downloads from BundID and gives the portal)."""
        from saml2.metadata import create_metadata_string

        return create_metadata_string(None, self.server().config, valid=365 * 24).decode()

    def config(self, *, key: Path | None = None, cert: Path | None = None, lifetime_minutes: int = 15):
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT

        conf = {
            "entityid": IDP_ENTITY_ID,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)],
                              "single_logout_service": [(SLO_URL, BINDING_HTTP_REDIRECT)]},
                "policy": {"default": {"lifetime": {"minutes": lifetime_minutes}, "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "want_authn_requests_signed": False,
            }},
            "key_file": str(key or self.key),
            "cert_file": str(cert or self.cert),
            "xmlsec_binary": self.xmlsec,
            "metadata": {"inline": list(self.sp_metadata.values())},
            "allow_unknown_attributes": True,
        }
        _ = BINDING_HTTP_POST
        return IdPConfig().load(conf)

    def server(self, **kwargs):
        from saml2.server import Server

        return Server(config=self.config(**kwargs))

    def learn_sp(self, client, slug: str) -> None:
        response = client.get(f"/accounts/saml/{slug}/metadata/")
        assert response.status_code == 200, response.content
        self.sp_metadata[slug] = response.content.decode()

    def answer(self, redirect_url: str, *, attributes: dict, class_ref: str | None = "STORK-QAA-Level-4",
               name_id: str = "pseudonym-4711", signed_by_other_key: bool = False, lifetime_minutes: int = 15,
               in_response_to: str | None = "from-request") -> tuple[str, dict]:
        """Parse the AuthnRequest the SP redirected to; return (ACS path, POST data) of a signed Response."""
        from saml2 import BINDING_HTTP_REDIRECT, xmldsig
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

        query = parse_qs(urlsplit(redirect_url).query)
        assert redirect_url.startswith(SSO_URL), redirect_url
        server = self.server()
        request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT).message
        if signed_by_other_key or lifetime_minutes != 15:
            server = self.server(key=self.other_key if signed_by_other_key else None,
                                 cert=self.other_cert if signed_by_other_key else None,
                                 lifetime_minutes=lifetime_minutes)
        authn = {"class_ref": class_ref, "authn_auth": IDP_ENTITY_ID} if class_ref else None
        response = server.create_authn_response(
            identity=attributes,
            in_response_to=request.id if in_response_to == "from-request" else in_response_to,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            authn=authn,
            sign_response=False,
            sign_assertion=True,
            sign_alg=xmldsig.SIG_RSA_SHA256,
            digest_alg=xmldsig.DIGEST_SHA256,
        )
        data = {"SAMLResponse": base64.b64encode(str(response).encode()).decode()}
        if "RelayState" in query:
            data["RelayState"] = query["RelayState"][0]
        return urlsplit(request.assertion_consumer_service_url).path, data


def make_idp() -> TestIdP:
    xmlsec = require_xmlsec1()
    directory = Path(tempfile.mkdtemp(prefix="shh-test-idp-"))
    key, cert, body = make_key_and_certificate(directory, "idp")
    other_key, other_cert, _ = make_key_and_certificate(directory, "attacker")
    return TestIdP(directory=directory, key=key, cert=cert, cert_body=body, other_key=other_key,
                   other_cert=other_cert, xmlsec=xmlsec)
