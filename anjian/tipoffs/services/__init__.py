"""Every write of the tip-off app: receiving, triage, rewards, configuration, the deadline sweep.
Views, the REST API, Open311 and jobs all call these functions."""

from anjian.tipoffs.services.configuration import (
    create_partner_app,
    deactivate_partner_app,
    partner_for_key,
    save_reward_rule,
)
from anjian.tipoffs.services.deadlines import sweep
from anjian.tipoffs.services.intake import Submission, find_duplicate, match_enterprise, submit_tip
from anjian.tipoffs.services.rewarding import (
    applicable_rules,
    approve_reward,
    beneficiary,
    decide_reward,
    pay_reward,
    preview,
    reward_for_reporter,
    suggested_rule,
)
from anjian.tipoffs.services.workflow import (
    accept_tip,
    assign_tip,
    close_tip,
    dismiss_duplicate,
    give_feedback,
    handle_tip,
    merge_tip,
    reject_tip,
    reveal_identity,
    verify_tip,
)

__all__ = [
    "Submission",
    "accept_tip",
    "applicable_rules",
    "approve_reward",
    "assign_tip",
    "beneficiary",
    "close_tip",
    "create_partner_app",
    "deactivate_partner_app",
    "decide_reward",
    "dismiss_duplicate",
    "find_duplicate",
    "give_feedback",
    "handle_tip",
    "match_enterprise",
    "merge_tip",
    "partner_for_key",
    "pay_reward",
    "preview",
    "reject_tip",
    "reveal_identity",
    "reward_for_reporter",
    "save_reward_rule",
    "submit_tip",
    "suggested_rule",
    "sweep",
    "verify_tip",
]
