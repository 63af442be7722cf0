"""Every deal kind, in one literal table: name -> the kind (its declaration and behaviour live in
its own module here). The order is the order clients list them in."""

from __future__ import annotations

from typing import Any

from district.server.engine.deals.kind import Kind
from district.server.engine.deals.kinds import (
    broker_engagement,
    challenge_grant,
    conditional_credit,
    joint_bid,
    network_charter,
    standards_agreement,
    subcontract,
    training_levy,
)

KINDS: dict[str, Kind[Any]] = {
    "joint_bid": joint_bid.KIND,
    "subcontract": subcontract.KIND,
    "network_charter": network_charter.KIND,
    "training_levy": training_levy.KIND,
    "conditional_credit": conditional_credit.KIND,
    "standards_agreement": standards_agreement.KIND,
    "challenge_grant": challenge_grant.KIND,
    "broker_engagement": broker_engagement.KIND,
}
