"""The report's look: the game's palette (client/ui/theme.py; the server may not import the client, so
the colours are repeated here), Okabe and Ito's colour-blind-safe colours for the charts' lines, and
how numbers, names and rounds are written for a person."""

from __future__ import annotations

from typing import Any

# the game's palette (client/ui/theme.py, class C), used by the page
BG = "#151b26"
PANEL = "#1f2735"
TEXT = "#eef1f6"
MUTED = "#9aa6ba"
ACCENT = "#f2b134"
PAPER = "#fbfaf6"  # the report is printed and projected: dark ink on a light page
INK = "#1b2230"
INK_MUTED = "#5a6577"
RULE = "#d9dde4"

# Okabe-Ito (client/ui/theme.py, OKABE_ITO), the client's colour-blind palette: every line also
# differs by dash style or marker, so meaning never rests on colour alone
OKABE_ITO = {
    "orange": "#e69f00",
    "sky": "#56b4e9",
    "green": "#009e73",
    "yellow": "#f0e442",
    "blue": "#0072b2",
    "vermillion": "#d55e00",
    "purple": "#cc79a7",
    "black": "#000000",
}
BOARDS = {  # key: (title, colour, marker)
    "competitiveness": ("Competitiveness", OKABE_ITO["blue"], "o"),
    "worker_welfare": ("Worker welfare", OKABE_ITO["purple"], "s"),
    "region": ("Region", OKABE_ITO["green"], "^"),
}
ROLE_COLOURS = {
    "firm": OKABE_ITO["sky"],
    "union": OKABE_ITO["purple"],
    "government": OKABE_ITO["green"],
    "broker": OKABE_ITO["orange"],
}
ROLE_MARKERS = {"union": "s", "government": "D", "broker": "^"}
EDGE_STYLES: dict[
    str, tuple[str, Any, str]
] = {  # drawn in this order: the later on top  # kind: (colour, line style, what a reader is told)
    "deal": (OKABE_ITO["blue"], "--", "deal"),
    "subcontract": (OKABE_ITO["orange"], "-.", "subcontract"),
    "tender": (OKABE_ITO["vermillion"], ":", "joint bid for a tender"),
    "network": (OKABE_ITO["green"], "-", "network"),
}
OTHER_EDGE: tuple[str, Any, str] = (OKABE_ITO["black"], "-", "other")
STATUS_WORDS = {
    "proposed": "proposed, not answered",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "active": "signed, running",
    "fulfilled": "kept",
    "breached": "broken",
    "expired": "expired",
    "failed": "failed",
}
PLACES = {  # flows' ends that are not seats
    "world": "the world outside",
    "government": "the government",
    "union": "the union",
    "background firms": "background firms",
}


def whole(x: Any) -> str:
    """A whole number with thousands separators ("1,234"); "-" for a missing value."""
    if x is None:
        return "-"
    try:
        return f"{round(float(x)):,}"
    except (TypeError, ValueError):
        return str(x)


def money(x: Any) -> str:
    """Money in thousands, as a person reads it: "1,234 k"."""
    return f"{whole(x)} k"


def percent(x: float) -> str:
    return f"{round(100 * x):,}%"


def name_of(names: dict[str, str], who: str) -> str:
    """A seat's, a firm's or a place's display name: never an id."""
    if who in names:
        return names[who]
    if who in PLACES:
        return PLACES[who]
    return who.split(":", 1)[-1].replace("-", " ").replace("_", " ").title()


# Who "outside the district" is, by the kind of payment and its direction (the engine's `world`
# account holds every one of them): a teacher reads "the union's members" paying dues, not
# "outside the district". (as the payer, as the payee)
WORLD_BY_KIND = {
    "dues": ("the union's members", "the network's services"),
    "interest": ("banks", "banks"),
    "credit": ("banks", "banks"),
    "repayment": ("banks", "banks"),
    "organising": ("", "organising drives"),
    "referral": ("", "the job referral service"),
    "strike_pay": ("", "striking workers"),
    "back_pay": ("", "underpaid workers"),
    "grant": ("", "the network's services"),
    "match": ("", "the network's services"),
    "levy": ("", "the training fund"),
    "subsidy": ("", "the training fund"),
    "spending": ("", "audits, infrastructure and publicity"),
    "budget": ("the state's budget", ""),
}


def party_name(names: dict[str, str], who: str, kind: str, payer: bool) -> str:
    """The display name of a payment's party (`payer` or payee): the world's by what the payment
    is for."""
    if who == "world":
        named = WORLD_BY_KIND.get(kind, ("", ""))[0 if payer else 1]
        if named:
            return named
    return name_of(names, who)


def kind_title(kind: str) -> str:
    return kind.replace("_", " ").capitalize()
