"""The executor's side of ``load``: run the judge's plan and name what it defined.

The judge discovered the target (ast only) and sends the plan; this runs it under the
loader's rules (:mod:`gradlab.conformance.loading.safeload`) and keeps every definition's
object under its id, for the judge to call. What it returns is data about the load, never
a verdict.
"""

from __future__ import annotations

from ..loading import Discovery
from ..loading import load as load_plan

__all__ = ["load"]


def load(body, definitions: dict) -> dict:
    """Load the plan ``body`` (a :class:`Discovery` as JSON); fill ``definitions`` (id ->
    object) and return the definitions found, the per-file logs and the problems."""
    plan = Discovery.from_json(body)
    loaded = load_plan(plan)
    definitions.update(loaded.objects)
    return {"definitions": [d.to_json() for d in loaded.definitions],
            "logs": [log.to_json() for log in loaded.logs],
            "problems": [p.to_json() for p in loaded.problems]}
