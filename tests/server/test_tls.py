"""TLS: `district serve --cert --key` serves wss://; the protocol client connects to it when told to
trust the (self-signed) certificate, and not otherwise; a plain ws:// client gets nowhere."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from district.server.protocol_client import ProtocolClient, Refused

from tests.server.conftest import ROOT, ServerProcess


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed to make a test certificate (.ci/run installs it)"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def test_wss_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    p = ServerProcess(tmp_path / "d.sqlite3", None, "--cert", str(cert), "--key", str(key))
    p.start()
    try:
        assert any(line.startswith("District server: wss://") for line in p.lines), p.lines
        wss = f"wss://127.0.0.1:{p.port}"
        maker = ProtocolClient(wss, ca=str(cert))
        await maker.connect_only()
        created = await maker.create("server-test")
        await maker.close()
        assert created["type"] == "created", created
        ada = ProtocolClient(wss, code=created["code"], name="Ada", ca=str(cert))
        welcome = await ada.connect()
        assert welcome["type"] == "welcome" and ada.seat
        await ada.close()
        # without trusting the certificate: refused by the client's TLS check
        with pytest.raises(ssl.SSLCertVerificationError):
            await ProtocolClient(wss, code=created["code"], name="Bo").connect()
        # in clear: the server does not speak plain websockets on this port
        cy = ProtocolClient(p.url, code=created["code"], name="Cy")
        with pytest.raises(Exception) as plain:  # noqa: PT011 (whichever way the handshake fails)
            await cy.connect(timeout=5)
        assert not isinstance(plain.value, Refused) and cy.seat is None
    finally:
        p.stop()


def test_serve_with_a_missing_or_wrong_certificate_says_so(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    for args, said in (
        (["--cert", str(cert)], "needs both --cert FILE and --key FILE"),
        (["--cert", str(tmp_path / "nope.pem"), "--key", str(key)], "does not exist"),
        (["--cert", str(key), "--key", str(cert)], "cannot use the certificate"),
    ):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "district.server.cli",
                "serve",
                "--port",
                "0",
                "--db",
                str(tmp_path / "d.sqlite3"),
                *args,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert r.returncode == 2 and said in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
