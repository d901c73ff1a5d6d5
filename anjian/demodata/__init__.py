"""Demo data for a realistic street (凤凰街道, 宝安区): organisation, people, enterprise register, assignments,
visits and meetings. Seeded data, not user actions: rows are bulk-created and the run writes one audit entry."""

from anjian.demodata.generator import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoSummary,
    demo_logins,
    generate,
    has_data,
)

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DemoSummary", "demo_logins", "generate", "has_data"]
