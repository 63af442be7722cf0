"""What a deal kind is: its declaration (title, source, help, the parties it allows, its trust gate,
its typed terms) and its behaviour (checks at proposal and signing, and hooks that resolution
calls). Each kind is one module in `kinds/`, a subclass of `Kind` with one instance, `KIND`.

Hooks and when resolution calls them (each only for active deals of the kind, in deal order):

- `on_signed`: once, when all parties have accepted and the terms passed their checks again.
- `each_round`: at the start of resolution, before the labour market (levies, fees, grants).
  Before it, a deal signed across its gate (`forced`) may lose its least trusted member if the kind
  `fails_when_forced`; `pulled_out` says what that does (True: the deal is broken now).
- `bids`: when tenders are awarded: a consortium bid, or None.
- `move_work`: after tender obligations, with the round's capacity (subcontracts).
- `enforce`: after finance: delivery, repayment, audits. Then a kind that `ends_at_term` is
  fulfilled when its last round is over (`term_ends` first), raising trust among its firms.
- `ended`: whenever the deal ends, for any reason (fulfilled, breached, expired).
- `aftermath`: every round after enforcement, for deals that were signed and have ended.

Properties other kinds and the trust gates ask about, instead of a kind's name:
`joint_activity`, `facilitator`, `government_lowers_gate`, `buyer_contract_for`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import TermSpec, specs
from district.server.engine.state import State, role_of

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


@dataclass(slots=True)
class Resolution:
    """What a hook gets besides the state: the round's report (None when nobody reads the notes)
    and the table of kinds, to ask another deal's kind about itself."""

    report: dict[str, Any] | None
    kinds: Mapping[str, Kind[Any]]

    def kind(self, d: Deal) -> Kind[Any]:
        return self.kinds[d.kind]

    def note(self, d: Deal, text: str, **extra: Any) -> None:
        if self.report is not None:
            self.report.setdefault("deal_outcomes", []).append(
                {"deal": d.id, "kind": d.kind, "text": text, **extra}
            )


def firms_of(state: State, d: Deal) -> list[int]:
    """The firm parties, as firm indices, in party order."""
    return [state.firm_of(p) for p in d.parties if role_of(p) == "firm"]


def trust_among(state: State, idx: list[int], delta: float) -> None:
    if len(idx) < 2:
        return
    a = np.array(idx)
    sub = state.trust[np.ix_(a, a)]
    state.trust[np.ix_(a, a)] = np.clip(sub + delta, 0.0, 1.0)
    np.fill_diagonal(state.trust, 1.0)


class Kind(Generic[T]):
    name: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]
    help: ClassVar[str]
    parties: ClassVar[dict[str, tuple[int, int]]]  # role -> (fewest, most)
    gate: ClassVar[float]  # trust the parties need before facilitation
    terms: type[T]

    joint_activity: ClassVar[bool] = False  # counts as a joint activity of its firms (grants)
    fails_when_forced: ClassVar[bool] = False  # signed across its gate, a member may pull out
    ends_at_term: ClassVar[bool] = True  # fulfilled when its last round is over
    government_lowers_gate: ClassVar[bool] = True  # the government's standard contracts

    # --- declaration -----------------------------------------------------------------------

    def term_specs(self) -> dict[str, TermSpec]:
        return specs(self.terms)

    def public_terms(self) -> set[str]:
        """Terms everyone sees once the deal is signed."""
        return {name for name, s in self.term_specs().items() if s.public}

    def public_estimate(self, state: State, d: Deal) -> dict[str, Any] | None:
        """The terms of a signed deal as a seat outside it may estimate them (previews,
        engine/knowledge.py): public terms, the parties' seats and its length (public through
        its `ends_round`) as they are, every other term at its default. None if a private term
        has no default: the deal cannot be estimated, and is left out. A kind whose private
        terms have a public estimate says so (`estimated_terms(d, {term: value})`)."""
        return self.estimated_terms(d, {})

    def estimated_terms(self, d: Deal, known: dict[str, Any]) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        for name, spec in self.term_specs().items():
            if name not in d.terms:
                continue
            if name in known:
                out[name] = known[name]
            elif spec.public or spec.type == "seat" or name == "rounds":
                out[name] = d.terms[name]
            elif spec.default is None:
                return None
            else:
                out[name] = spec.default
        return out

    def read(self, d: Deal) -> T:
        """The deal's terms as this kind's typed record."""
        return self.terms(**d.terms)

    # --- checks and signing ----------------------------------------------------------------

    def check(self, state: State, t: T, parties: list[str]) -> None:
        """Rules tying terms to each other and to the state (can the parties afford and deliver
        it?). Raises EngineError."""

    def duration(self, state: State, t: T) -> int:
        """Rounds the deal runs once signed."""
        return 1

    def on_signed(self, state: State, d: Deal) -> None:
        pass

    # --- resolution ------------------------------------------------------------------------

    def pulled_out(self, state: State, d: Deal, firm: int, res: Resolution) -> bool:
        """A forced deal's least trusted member defects (recorded in the ledger as `defector`).
        True if that breaks the deal now; by default it shows where the kind's work is done."""
        return False

    def each_round(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        """`members`: the firm parties still alive."""

    def bids(
        self, state: State, d: Deal, cap: np.ndarray, access: np.ndarray, res: Resolution
    ) -> dict[str, Any] | None:
        return None

    def move_work(self, state: State, d: Deal, cap: np.ndarray, res: Resolution) -> None:
        pass

    def enforce(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        """`members`: every firm party."""

    def term_ends(self, state: State, d: Deal, res: Resolution) -> None:
        """The last round is over and the deal is kept: just before it is fulfilled."""

    def ended(self, state: State, d: Deal) -> None:
        """Clean-up when the deal ends for any reason."""

    def aftermath(self, state: State, d: Deal) -> None:
        """Every round after finance, for a deal that has ended: what it leaves behind (a
        clawed-back loan's mark on the borrower's credit standing)."""

    def facilitator(self, state: State, d: Deal) -> str:
        """The broker whose facilitation this (active) deal brings to its firm parties' other
        deals, or ""."""
        return ""

    def buyer_contract_for(self, state: State, d: Deal, firm: int) -> bool:
        """Whether this (active) deal gives `firm` a stable buyer."""
        return False

    # --- endings ---------------------------------------------------------------------------

    def end(self, state: State, d: Deal, status: str, why: str = "") -> None:
        d.status = status
        d.history.append({"round": state.round, "action": status, "why": why})
        self.ended(state, d)

    def breach(
        self,
        state: State,
        d: Deal,
        firm: int,
        why: str,
        res: Resolution,
        ends: bool = True,
    ) -> None:
        """A party broke the deal: the others' trust in it falls, its reputation too. The deal
        ends as breached unless `ends` is False (it runs on, e.g. at a penalty rate)."""
        others = [i for i in firms_of(state, d) if i != firm]
        f = state.firms
        for o in others:
            state.trust[o, firm] = max(0.0, state.trust[o, firm] - 0.2)
        f.reputation[firm] = max(0.0, f.reputation[firm] - 0.05)
        d.breaches.append({"round": state.round, "firm": firm, "why": why})
        if ends:
            self.end(state, d, "breached", why)
        else:
            d.history.append({"round": state.round, "action": "breached", "why": why})
        res.note(d, f"{f.name[firm]} broke the {d.kind.replace('_', ' ')}: {why}", firm=firm)
