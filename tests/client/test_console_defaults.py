"""The console's default shock is one a teacher can try "to see what happens" without wrecking
the class's game: it is felt (the commodity price falls) but the district stands."""

from __future__ import annotations

from district.client.scenes.facilitator import DEFAULT_IMPORT_SHOCK
from district.server import api


def test_the_default_import_shock_is_felt_but_does_not_wreck_the_district() -> None:
    shock = float(DEFAULT_IMPORT_SHOCK)
    for seed in (1, 2, 3):
        runs = {}
        for value in (0.0, shock):
            g = api.new_game("emilia-romagna", seed)
            g.bots()
            g.resolve()
            g.advance()
            if value:
                g.apply(
                    "facilitator",
                    {
                        "type": "inject_event",
                        "event": {"kind": "import_pressure", "value": value, "headline": "Imports"},
                    },
                )
            for _ in range(3):
                g.bots()
                report = g.resolve()
                g.advance()
            runs[value] = (g.indicators()[-1]["firms_alive"], report["details"]["commodity_price"])
        (alive0, price0), (alive, price) = runs[0.0], runs[shock]
        assert price <= 0.9 * price0, "the shock must be felt in the commodity price"
        assert alive >= 0.9 * alive0, (
            f"seed {seed}: the default shock closed {alive0 - alive} firms"
        )
