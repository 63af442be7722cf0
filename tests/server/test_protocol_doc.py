"""docs/protocol.md and server/protocol/ describe the same protocol: every message, field,
action, error code and limit of the code is in the document."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from district.server import protocol as p

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_every_client_message_and_field_is_documented() -> None:
    for name, fields in p.CLIENT_MESSAGES.items():
        assert f"### `{name}`" in DOC, name
        section = DOC.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for f in fields:
            if f != "id":
                assert f"`{f}`" in section, (name, f)


def test_every_server_message_and_field_is_documented() -> None:
    table = DOC.split("## 7. Messages from the server", 1)[1].split("\n## ", 1)[0]
    for name, fields in p.SERVER_MESSAGES.items():
        row = next((line for line in table.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        for f in fields:
            assert f"`{f}`" in row, (name, f)


def test_every_action_and_error_code_is_documented() -> None:
    for action in p.CONTROL_ACTIONS:
        assert f"| `{action}` |" in DOC, action
    for code in p.ERRORS:
        assert f"| `{code}` |" in DOC, code
    for code in p.ENGINE_ERRORS:
        assert f"`{code}`" in DOC, code


def test_limits_and_version_in_the_document_match_the_code() -> None:
    assert f"# District wire protocol (version {p.PROTOCOL_VERSION})" in DOC
    assert f"{p.MAX_FRAME:,} bytes" in DOC
    assert f"{p.MAX_STR:,} characters" in DOC
    assert f"{p.MAX_ARRAY:,} / {p.MAX_MAP}" in DOC
    assert f"{p.MAX_DEPTH} levels" in DOC
    assert f"{p.RATE_PER_SECOND:g} messages/s" in DOC and f"bursts up to {p.RATE_BURST}" in DOC
    assert f"{p.OUT_QUEUE} messages" in DOC and f"{p.SESSION_QUEUE:,}" in DOC
    assert f"`{p.CODE_ALPHABET}`" in DOC and f"{p.CODE_LENGTH} characters" in DOC
    assert f"{p.MAX_OPEN_PROPOSALS} per seat at once" in DOC
    assert f"{p.MAX_ROUND_PROPOSALS} per seat" in DOC
    assert f"{p.PREVIEW_BURST} at once, then one every {1 / p.PREVIEW_RATE:g} s" in DOC
    for code in (p.CLOSE_POLICY, p.CLOSE_REPLACED, p.CLOSE_SLOW, p.CLOSE_RELEASED):
        assert str(code) in DOC


def test_the_example_frames_in_the_document_are_right() -> None:
    hexes = re.findall(r"bytes: ((?:[0-9a-f]{2} ?)+(?:\n\s+(?:[0-9a-f]{2} ?)+)*)", DOC)
    first = bytes.fromhex(" ".join(hexes[0].split()))
    assert first == p.encode(p.hello(code="K7QM2P", name="Ada", role="firm", id=1))


def test_the_protocol_module_imports_without_the_engine() -> None:
    code = (
        "import sys; import district.server.protocol; "
        "bad = [m for m in sys.modules if m.startswith('district.server.') "
        "and m.split('.')[:3] != ['district', 'server', 'protocol']]; "
        "assert not bad, bad; assert 'numpy' not in sys.modules"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2]
    )
