"""SMTP delivery over STARTTLS and implicit TLS against a real aiosmtpd server on 127.0.0.1.

The server's certificate comes from a throwaway trustme CA. watcher builds its
client context with ``ssl.create_default_context()``, which loads OpenSSL's
default verify paths; ``SSL_CERT_FILE`` points those at the test CA, so the
certificate is verified exactly as a real one would be.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.test_mail import MESSAGE_ID, Handler, Sleeps, free_port, message, parse
from watcher.digest.mail import SmtpSettings, send
from watcher.errors import DigestError

USER = "watcher"
PASSWORD = "correct horse battery staple"
RECIPIENT = "analyst@example.org"


@dataclass
class TlsHandler(Handler):
    """A :class:`Handler` that also records, per accepted message, how the session was secured."""

    tls: list[dict[str, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        ssl_object = server.transport.get_extra_info("ssl_object")
        self.tls.append(
            {
                # aiosmtpd fills session.ssl only after STARTTLS, not for implicit TLS.
                "starttls": session.ssl is not None,
                "version": None if ssl_object is None else ssl_object.version(),
                "cipher": None if ssl_object is None else ssl_object.cipher(),
                "authenticated": session.authenticated,
                "login": session.auth_data.login if session.authenticated else None,
            }
        )
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Authenticator:
    """aiosmtpd's ``authenticator=``: accepts USER/PASSWORD and records every AUTH attempt."""

    attempts: list[tuple[str, bytes]] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.attempts.append((mechanism, auth_data.login))
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusted(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """Make ``ca`` the only CA in OpenSSL's default file, as ssl.create_default_context reads it."""
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    # Nothing from the system directory either: only the test CA vouches for anything.
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    return ca


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(context)
    return context


Serve = Callable[..., SmtpSettings]


@pytest.fixture
def serve_tls() -> Iterator[Serve]:
    """Start aiosmtpd with STARTTLS (``security="starttls"``) or implicit TLS (``"tls"``).

    ``context`` is the server's certificate; an ``authenticator`` turns on AUTH,
    offered only once the session is encrypted. Returns settings pointing at it.
    """
    controllers: list[Controller] = []

    def start(
        handler: Handler,
        context: ssl.SSLContext,
        *,
        security: str,
        authenticator: Authenticator | None = None,
        exclude: tuple[str, ...] = (),
        username: str | None = None,
        password: str | None = None,
    ) -> SmtpSettings:
        port = free_port()
        kwargs: dict[str, Any] = {}
        if security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
        if authenticator is not None:
            kwargs.update(
                authenticator=authenticator,
                auth_require_tls=True,
                auth_exclude_mechanism=list(exclude),
            )
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return SmtpSettings(
            host="127.0.0.1",
            port=port,
            security=security,
            username=username,
            password=password,
            timeout=5,
        )

    yield start
    for controller in controllers:
        controller.stop()


def test_the_default_client_context_trusts_the_test_ca(trusted: trustme.CA) -> None:
    # Guards every test below: were SSL_CERT_FILE ignored, they would fail for the wrong reason.
    expected = ssl.PEM_cert_to_DER_cert(trusted.cert_pem.bytes().decode())
    assert ssl.create_default_context().get_ca_certs(binary_form=True) == [expected]


# --- delivery -----------------------------------------------------------------------


def test_starttls_delivers_once_over_an_encrypted_session(
    serve_tls: Serve, trusted: trustme.CA
) -> None:
    handler = TlsHandler()
    settings = serve_tls(handler, server_context(trusted), security="starttls")
    sleeps = Sleeps()

    delivery = send(message(), [RECIPIENT], settings, sleep=sleeps)

    assert delivery.accepted == (RECIPIENT,)
    assert delivery.refused == {}
    assert delivery.message_id == MESSAGE_ID
    assert sleeps == []
    assert len(handler.stored) == 1
    rcpts, raw = handler.stored[0]
    assert rcpts == [RECIPIENT]
    assert parse(raw)["Message-ID"] == MESSAGE_ID
    [seen] = handler.tls
    assert seen["starttls"] is True
    assert seen["version"] in {"TLSv1.2", "TLSv1.3"}
    assert seen["cipher"] is not None
    assert not seen["authenticated"]


def test_implicit_tls_delivers_once_over_an_encrypted_session(
    serve_tls: Serve, trusted: trustme.CA
) -> None:
    handler = TlsHandler()
    settings = serve_tls(handler, server_context(trusted), security="tls")
    sleeps = Sleeps()

    delivery = send(message(), [RECIPIENT], settings, sleep=sleeps)

    assert delivery.accepted == (RECIPIENT,)
    assert delivery.message_id == MESSAGE_ID
    assert sleeps == []
    assert len(handler.stored) == 1
    assert parse(handler.stored[0][1])["Message-ID"] == MESSAGE_ID
    [seen] = handler.tls
    assert seen["starttls"] is False  # encrypted from the first byte, no STARTTLS
    assert seen["version"] in {"TLSv1.2", "TLSv1.3"}


def test_the_server_name_localhost_verifies_too(serve_tls: Serve, trusted: trustme.CA) -> None:
    handler = TlsHandler()
    on_ip = serve_tls(handler, server_context(trusted, "localhost"), security="starttls")
    settings = SmtpSettings(host="localhost", port=on_ip.port, security="starttls", timeout=5)

    try:
        delivery = send(message(), [RECIPIENT], settings, attempts=1, sleep=Sleeps())
    except DigestError as exc:  # "localhost" may resolve to ::1 first, where nobody listens
        if "certificate" in str(exc):
            raise
        pytest.skip(f"localhost does not reach 127.0.0.1 here: {exc}")

    assert delivery.accepted == (RECIPIENT,)
    assert handler.tls[0]["starttls"] is True


# --- login ---------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_over_starttls_with_the_right_password_delivers(
    serve_tls: Serve, trusted: trustme.CA, mechanism: str
) -> None:
    handler = TlsHandler()
    auth = Authenticator()
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    settings = serve_tls(
        handler,
        server_context(trusted),
        security="starttls",
        authenticator=auth,
        exclude=(other,),
        username=USER,
        password=PASSWORD,
    )
    sleeps = Sleeps()

    delivery = send(message(), [RECIPIENT], settings, sleep=sleeps)

    assert delivery.accepted == (RECIPIENT,)
    assert auth.attempts == [(mechanism, USER.encode())]
    assert len(handler.stored) == 1
    [seen] = handler.tls
    assert seen["starttls"] is True
    assert seen["authenticated"] is True
    assert seen["login"] == USER.encode()
    assert sleeps == []


def test_login_over_starttls_with_a_wrong_password_fails_without_retrying(
    serve_tls: Serve, trusted: trustme.CA
) -> None:
    handler = TlsHandler()
    auth = Authenticator()
    settings = serve_tls(
        handler,
        server_context(trusted),
        security="starttls",
        authenticator=auth,
        username=USER,
        password="not the password",
    )
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"rejected the login: 535") as caught:
        send(message(), [RECIPIENT], settings, attempts=4, sleep=sleeps)

    assert "not the password" not in str(caught.value)
    # One session: smtplib tries each offered mechanism once (PLAIN, then LOGIN); no retry.
    assert auth.attempts == [("PLAIN", USER.encode()), ("LOGIN", USER.encode())]
    assert sleeps == []
    assert handler.stored == []


def test_a_non_ascii_password_fails_as_a_digest_error(
    serve_tls: Serve, trusted: trustme.CA
) -> None:
    auth = Authenticator()
    settings = serve_tls(
        TlsHandler(),
        server_context(trusted),
        security="starttls",
        authenticator=auth,
        username=USER,
        password="pässwörd",
    )
    sleeps = Sleeps()

    with pytest.raises(DigestError, match="non-ASCII") as info:
        send(message(), [RECIPIENT], settings, sleep=sleeps)

    assert sleeps == []
    assert "pässwörd" not in str(info.value)
    assert info.value.__cause__ is None  # the encoding error held the password


def test_login_is_not_offered_before_starttls(serve_tls: Serve, trusted: trustme.CA) -> None:
    # The server side of the promise: with auth_require_tls the plain session has no AUTH,
    # so a successful login above really was inside TLS.
    auth = Authenticator()
    settings = serve_tls(
        TlsHandler(), server_context(trusted), security="starttls", authenticator=auth
    )
    with smtplib.SMTP(settings.host, settings.port, local_hostname="test", timeout=5) as plain:
        plain.ehlo()
        assert plain.has_extn("starttls")
        assert not plain.has_extn("auth")
        plain.starttls(context=ssl.create_default_context())
        plain.ehlo()
        assert plain.has_extn("auth")
    assert auth.attempts == []


# --- certificates that do not verify --------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_from_an_untrusted_ca_fails_at_once(
    serve_tls: Serve, trusted: trustme.CA, security: str
) -> None:
    stranger = trustme.CA()
    handler = TlsHandler()
    settings = serve_tls(handler, server_context(stranger), security=security)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"TLS certificate could not be verified") as caught:
        send(message(), [RECIPIENT], settings, attempts=4, sleep=sleeps)

    assert "certificate" in str(caught.value)
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    assert sleeps == []
    assert handler.stored == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_for_another_host_fails_at_once(
    serve_tls: Serve, trusted: trustme.CA, security: str
) -> None:
    handler = TlsHandler()
    settings = serve_tls(handler, server_context(trusted, "mail.example.org"), security=security)
    sleeps = Sleeps()

    with pytest.raises(DigestError, match=r"TLS certificate could not be verified.*127\.0\.0\.1"):
        send(message(), [RECIPIENT], settings, attempts=4, sleep=sleeps)

    assert sleeps == []
    assert handler.stored == []


# security="none" with a username is refused before connecting:
# tests/test_mail.py::test_a_password_is_never_sent_unencrypted covers it.
