#!/usr/bin/env python3
"""Run the VRAM estimator on every published measurement of the reference set and report the
error of each case, the mean absolute percentage error (MAPE) and the worst case.

    .venv/bin/python bench/vram_accuracy.py [--reference DIR] [--json]

The reference set is `shared/vram/reference.jsonl` next to the repository (override with
--reference). Exit code 1 when a case fails or the MAPE target (10 %) is missed; with --strict,
also when a case is off by more than the worst-case bound (25 %).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from odh_tec.vram.estimate import estimate  # noqa: E402

DEFAULT_REFERENCE = ROOT.parent / "shared" / "vram"
MAPE_TARGET = 10.0
WORST_BOUND = 25.0


def read_field(response: dict[str, Any], path: str) -> float:
    value: Any = response
    for part in path.split("."):
        value = value[part]
    return float(value)


def run(reference_dir: Path) -> list[dict[str, Any]]:
    rows = []
    path = reference_dir / "reference.jsonl" if reference_dir.is_dir() else reference_dir
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        expected = case["expected"]
        row = {
            "id": case["id"],
            "title": case.get("title", ""),
            "field": expected["field"],
            "expected": expected["value"],
            "class": case.get("tolerance_class", ""),
        }
        try:
            response = estimate(case["request"])
            predicted = read_field(response, expected["field"])
            row["predicted"] = predicted
            row["error_pct"] = 100.0 * (predicted - expected["value"]) / expected["value"]
        except Exception as exc:  # a failing case is reported, not fatal
            row["predicted"] = None
            row["error_pct"] = None
            row["failure"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference", type=Path, default=DEFAULT_REFERENCE, help="folder with reference.jsonl (or the file)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--strict", action="store_true", help="also fail when a case is off by more than 25 %")
    args = parser.parse_args(argv)
    rows = run(args.reference)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'case':<14} {'field':<17} {'class':<8} {'expected':>12} {'predicted':>12} {'error':>8}  title")
        for row in rows:
            if row["predicted"] is None:
                print(
                    f"{row['id']:<14} {row['field']:<17} {row['class']:<8} {row['expected']:>12.4g} "
                    f"{'FAILED':>12} {'':>8}  {row['failure']}"
                )
            else:
                print(
                    f"{row['id']:<14} {row['field']:<17} {row['class']:<8} {row['expected']:>12.6g} "
                    f"{row['predicted']:>12.6g} {row['error_pct']:>+7.1f}%  {row['title']}"
                )
    errors = [abs(r["error_pct"]) for r in rows if r["error_pct"] is not None]
    failed = [r for r in rows if r["error_pct"] is None]
    mape = sum(errors) / len(errors) if errors else float("nan")
    worst = max((r for r in rows if r["error_pct"] is not None), key=lambda r: abs(r["error_pct"]), default=None)
    print()
    print(f"cases: {len(rows)}, failed: {len(failed)}")
    print(f"MAPE: {mape:.2f} % (target <= {MAPE_TARGET:g} %)")
    if worst:
        print(f"worst case: {worst['id']} {worst['error_pct']:+.1f} % ({worst['title']})")
    over = [r for r in rows if r["error_pct"] is not None and abs(r["error_pct"]) > WORST_BOUND]
    print(f"cases beyond the {WORST_BOUND:g} % bound: {', '.join(r['id'] for r in over) or 'none'}")
    ok = not failed and mape <= MAPE_TARGET and (not args.strict or not over)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
