"""Generate the quickstart's bundled dataset, data/churn.csv.

A made-up subscription service: will a customer cancel (churned=1)?
The label comes from a known logistic rule plus noise, so a linear model can
learn it well but not perfectly. Customers who pay a lot but use the service
little tend to leave; spend and usage are correlated, so one feature alone
says little and the model must weigh them against each other (this is also
why a model trained for a single epoch stays visibly worse).

The same seed always gives the same file, byte for byte:
    python3 make_data.py            # writes data/churn.csv
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

ROWS = 600
SEED = 20240611
COLUMNS = [
    "tenure_months",
    "monthly_spend",
    "usage_hours",
    "support_calls",
    "plan",
    "churned",
]
PLANS = ["basic", "standard", "premium"]


def make_rows(rows: int, seed: int) -> list[list[object]]:
    rng = random.Random(seed)
    table: list[list[object]] = []
    for _ in range(rows):
        plan = rng.choices(PLANS, weights=[0.45, 0.35, 0.20])[0]
        base_spend = {"basic": 30.0, "standard": 55.0, "premium": 85.0}[plan]
        spend = max(5.0, rng.gauss(base_spend, 12.0))
        # Heavy payers mostly use more; the churn signal is the shortfall.
        usage = max(0.0, 0.45 * spend + rng.gauss(0.0, 7.0))
        tenure = rng.randint(1, 72)
        calls = min(9, int(rng.expovariate(0.7)))
        shortfall = (0.45 * spend - usage) / 7.0
        logit = (
            -0.8
            + 4.0 * shortfall
            - 2.0 * (tenure - 36.5) / 20.8
            + 1.2 * (calls - 1.0)
            + {"basic": 0.5, "standard": 0.0, "premium": -0.5}[plan]
        )
        churned = 1 if rng.random() < 1.0 / (1.0 + math.exp(-logit)) else 0
        table.append(
            [tenure, f"{spend:.2f}", f"{usage:.1f}", calls, plan, churned]
        )
    return table


def main() -> int:
    out = Path(__file__).resolve().parent / "data" / "churn.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(make_rows(ROWS, SEED))
    print(f"wrote {ROWS} rows to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
