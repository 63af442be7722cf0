"""End to end against a real local server, by clicking: a student asks the teacher for help and
the console flags it with the student's name; the teacher locks the session, a new student waits
and the teacher admits them with a click (or refuses another, told in plain words); the teacher hands the student's seat to a bot, or broadcasts, and the
student's screen shows a banner."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from typing import Any  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.client.app import App, wait_until  # noqa: E402
from district.client.scenes.connect import HINT, WAITING  # noqa: E402
from district.client.settings import Settings  # noqa: E402
from district.client.ui.draw import wrap  # noqa: E402
from district.client.ui.theme import C  # noqa: E402
from district.server.demo import start_local_game  # noqa: E402

from tests.client.conftest import click, key, text_drawn, type_into  # noqa: E402

BANNER_BG = (16, 20, 28)


@pytest.fixture
def classroom(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A running game: a student (firm seat) on the district screen, the teacher's console."""
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    server, url, code, token = start_local_game(
        "emilia-romagna", "firm", 7, negotiation=300.0, report=1.0
    )
    student = App(size=(1280, 720), settings=Settings())
    teacher = App(size=(1280, 720), settings=Settings())
    apps = [student, teacher]
    try:
        student.connect(url, code=code, name="Giulia", role="firm")
        assert wait_until(student, lambda: student.model.seat.startswith("firm:"), 15)
        # a second student who never says ready: the round stays in negotiation when a bot
        # takes the first one's seat (else every seat is ready and the report comes up)
        other = App(size=(1280, 720), settings=Settings())
        apps.append(other)
        other.connect(url, code=code, name="Paolo", role="firm")
        assert wait_until(other, lambda: other.model.seat.startswith("firm:"), 15)
        teacher.connect(url, token=token)
        assert wait_until(teacher, lambda: teacher.scene.name == "facilitator", 15)
        click(teacher, teacher.scene.buttons["start"])  # (a second facilitator link would
        # replace the console's: one connection per recipient)
        assert wait_until(student, lambda: student.scene.name == "district", 15)
        assert wait_until(teacher, lambda: teacher.model.session.get("status") == "running", 15)
        yield url, code, token, student, teacher, apps
    finally:
        for a in apps:
            if a.connection is not None:
                a.connection.close()
        server.stop()


def test_a_student_asks_the_teacher_and_the_console_flags_it_by_name(classroom: Any) -> None:
    _url, _code, _token, student, teacher, _apps = classroom
    scene = student.scene
    key(student, pygame.K_F3)
    click(student, scene.chat.ask_button)
    assert scene.chat.channel == "facilitator"
    type_into(student, scene.chat.entry, "How do I sign a deal?")
    click(student, scene.chat.send_button)
    # the student sees the request in the conversation, marked as one
    assert wait_until(student, lambda: "help request to the teacher" in scene.chat.log_html(), 10)
    assert "How do I sign a deal?" in scene.chat.log_html()

    console = teacher.scene
    assert wait_until(teacher, lambda: len(teacher.model.help_requests()) == 1, 10)
    seat = student.model.seat
    row = next(s for s in teacher.model.session["roster"] if s["id"] == seat)
    who = f"{row['name']} (Giulia)"
    assert seat not in who
    teacher.frame([])
    surf = teacher.surface
    bold = console.fonts.get(12, "bold")
    area = console.help_r
    line = f"r1 {who}  · new"
    assert text_drawn(surf, line, bold, C.BAD, C.PANEL, area), "the request's name is not shown"
    assert text_drawn(surf, "1 new", bold, C.BG, C.BAD, area), "no count of new requests"
    assert text_drawn(surf, "How do I sign a deal?", console.fonts.get(12), C.TEXT, C.PANEL, area)
    # marked read: the count goes, the request stays
    click(teacher, console.buttons["help_read"])
    teacher.frame([])
    surf = teacher.surface
    assert not text_drawn(surf, "1 new", bold, C.BG, C.BAD, area)
    assert text_drawn(surf, f"r1 {who}", bold, C.ACCENT, C.PANEL, area)


def late_student(url: str, code: str, name: str, apps: list[Any]) -> App:
    """A student who arrives late and clicks Join game."""
    late = App(size=(1280, 720), settings=Settings())
    apps.append(late)
    sc = late.scene
    type_into(late, sc.server_entry, url)
    type_into(late, sc.code_entry, code)
    type_into(late, sc.name_entry, name)
    click(late, sc.join_button)
    return late


def connect_message_drawn(app: App, msg: str, colour: Any) -> bool:
    """The connect screen shows the first line of `msg` in `colour`."""
    sc = app.scene
    app.frame([])
    font = sc.fonts.get(14, "bold")
    hint = sc.fonts.get(12).size(HINT)[0]
    room = sc.card.width - sc.u(56) - hint - sc.u(16)
    first = wrap(msg, font, room)[0]
    return text_drawn(app.surface, first, font, colour, C.PANEL, sc.card)


def test_the_teacher_locks_the_session_and_admits_or_refuses_late_students(
    classroom: Any,
) -> None:
    url, code, _token, _student, teacher, apps = classroom
    console = teacher.scene
    lock = console.buttons["lock"]
    assert lock.text == "Lock joins"
    click(teacher, lock)
    assert wait_until(teacher, lambda: teacher.model.session.get("locked") is True, 10)
    teacher.frame([])
    assert console.buttons["lock"].text == "Unlock joins"

    # Marco arrives: he waits, and the console shows his request by name
    late = late_student(url, code, "Marco", apps)
    assert wait_until(late, lambda: late.model.status == "waiting", 15), late.model.status
    assert connect_message_drawn(late, WAITING, C.ACCENT), "no waiting text"
    assert wait_until(teacher, lambda: len(console.join_buttons) == 1, 10)
    teacher.frame([])
    fb = console.fonts.get(12, "bold")
    assert text_drawn(teacher.surface, "Marco", fb, C.TEXT, C.PANEL, console.ctrl_r)
    # the teacher clicks Admit: Marco's app enters the game with a seat of his own
    admit, _refuse = next(iter(console.join_buttons.values()))
    assert admit.text == "Admit"
    click(teacher, admit)
    assert wait_until(late, lambda: late.scene.name == "district", 15), late.model.status
    assert late.model.seat not in ("", "observer", "facilitator") and late.model.view is not None
    assert wait_until(teacher, lambda: not console.join_buttons, 10)
    assert teacher.model.session.get("locked") is True  # the lock stays on for the others

    # Lia arrives and the teacher clicks Refuse: she is told so in plain words
    lia = late_student(url, code, "Lia", apps)
    assert wait_until(teacher, lambda: len(console.join_buttons) == 1, 15)
    teacher.frame([])
    click(teacher, next(iter(console.join_buttons.values()))[1])
    assert wait_until(lia, lambda: lia.model.status in ("failed", "closed"), 15)
    assert lia.model.view is None and lia.scene.name == "connect"
    msg = "Could not join: the teacher did not let you into this game. Ask the teacher."
    assert connect_message_drawn(lia, msg, C.BAD), "no plain refusal"

    # unlocked again: the console says so, and Lia clicks Join again and gets a seat
    click(teacher, console.buttons["lock"])
    assert wait_until(teacher, lambda: teacher.model.session.get("locked") is False, 10)
    teacher.frame([])
    assert console.buttons["lock"].text == "Lock joins"
    click(lia, lia.scene.join_button)
    assert wait_until(lia, lambda: lia.model.seat != "" and lia.model.view is not None, 15), (
        lia.model.status,
        lia.scene.name,
        getattr(lia.scene, "message", ""),
    )


def test_a_bot_taking_the_seat_and_a_broadcast_show_a_banner(classroom: Any) -> None:
    _url, _code, _token, student, teacher, _apps = classroom
    scene = student.scene
    seat = student.model.seat
    font = scene.fonts.get(15, "bold")
    area = scene.L["map"]
    assert student.model.banner_now() is None

    console = teacher.scene
    click(teacher, console.seat_buttons[seat])  # "Bot plays"
    assert wait_until(student, lambda: student.model.banner_now() is not None, 10)
    kind, message = student.model.banner_now()
    assert kind == "bot" and message.startswith("The teacher has handed your seat to a bot")
    student.frame([])
    first = wrap(message, font, area.width - scene.u(170))[0]
    assert text_drawn(student.surface, first, font, C.TEXT, BANNER_BG, area), "no banner"
    dismiss = scene.banner_button
    assert dismiss.visible and area.contains(dismiss.rect)
    click(student, dismiss)
    assert student.model.banner_now() is None and not dismiss.visible
    assert not text_drawn(student.surface, first, font, C.TEXT, BANNER_BG, area)

    type_into(teacher, console.broadcast_entry, "Five minutes left, finish your deals")
    click(teacher, console.buttons["broadcast"])
    assert wait_until(student, lambda: student.model.banner_now() is not None, 10)
    student.frame([])
    said = "The teacher says: Five minutes left, finish your deals"
    assert student.model.banner_now() == ("broadcast", said)
    assert text_drawn(student.surface, said, font, C.TEXT, BANNER_BG, area), "no broadcast banner"
    # the teacher's own screen shows no banner for the teacher's own broadcast
    assert teacher.model.banner_now() is None


def test_the_teacher_replies_privately_to_a_request_by_clicking(classroom: Any) -> None:
    _url, _code, _token, student, teacher, apps = classroom
    other = apps[2]
    key(student, pygame.K_F3)
    chat = student.scene.chat
    click(student, chat.ask_button)
    type_into(student, chat.entry, "Which firm should I ask?")
    click(student, chat.send_button)
    console = teacher.scene
    assert wait_until(teacher, lambda: len(console.reply_buttons) == 1, 10)
    assert not console.reply_entry.visible  # the reply line opens with Reply
    click(teacher, next(iter(console.reply_buttons.values())))
    assert console.reply_to == student.model.seat and console.reply_entry.visible
    type_into(teacher, console.reply_entry, "Try Meccanica Ferri, they do design")
    click(teacher, console.buttons["reply_send"])
    assert console.reply_to is None and not console.reply_entry.visible
    # the student reads it in the conversation with the teacher
    assert wait_until(student, lambda: "Try Meccanica Ferri, they do design" in chat.log_html(), 10)
    assert chat.channel == "facilitator"
    # the console marks the request as answered
    assert wait_until(
        teacher, lambda: teacher.model.help_replied(teacher.model.help_requests()[-1]), 10
    )
    # the other student gets nothing: let a later public message reach them first
    type_into(teacher, console.broadcast_entry, "Two minutes")
    click(teacher, console.buttons["broadcast"])
    assert wait_until(
        other, lambda: any(m.get("text") == "Two minutes" for m in other.model.view["chat"]), 10
    )
    texts = [m.get("text") for m in other.model.view["chat"]]
    assert "Try Meccanica Ferri, they do design" not in texts
    assert "Which firm should I ask?" not in texts
