"""``load_target``: a TARGET as an :class:`Implementation` of headlines, for the in-process
worker (discover and load in one process: it runs learner code).

Kept so that the worker and the suite run unchanged until they talk to the executor.
"""

from __future__ import annotations

from ..records import Record
from .implementation import Implementation
from .loader import Loaded
from .plan import Discovery

__all__ = ["load_target", "load_records", "implementation"]


def _origin(d, others: int) -> str:
    origin = d.where() + (f" (as {d.alias})" if d.alias != d.name else "")
    return origin + (f" (+{others} other definition(s))" if others else "")


def implementation(plan: Discovery, loaded: Loaded) -> Implementation:
    """The headline of every book name the target defines (or, when the headline could
    not be built, the next definition that could), with where it came from."""
    impl = Implementation(plan.label)
    ranked = sorted(loaded.definitions, key=lambda d: d.role != "headline")
    for d in ranked:
        if d.name in impl.objects or d.id not in loaded.objects:
            continue
        others = sum(1 for o in loaded.definitions if o.name == d.name) - 1
        impl.objects[d.name] = loaded.objects[d.id]
        impl.origins[d.name] = _origin(d, others)
    for log in loaded.logs:
        impl.script_names |= log.script_names | set(log.import_failed)
        impl.import_failures.update(log.import_failed)
    return impl


def load_records(plan: Discovery, loaded: Loaded) -> list[Record]:
    """One record per problem (warn/error) and per file run (pass, with what was skipped)."""
    records = []
    for p in list(plan.problems) + list(loaded.problems):
        tail = "nothing in this file was checked" if p.severity == "error" else \
            "definitions in this file (if any) were not checked"
        records.append(Record(f"load:{p.relpath}", plan.label, p.severity,
                              f"{p.message}; {tail}", function="(load)", definition=p.relpath))
    for log in loaded.logs:
        skipped = (f"; skipped {len(log.skipped)} module-level statement(s): "
                   + "; ".join(log.skipped[:3]) + (" ..." if len(log.skipped) > 3 else "")
                   ) if log.skipped else ""
        failed = f"; {len(log.failed)} statement(s) failed: {log.failed[0].text()}" \
            if log.failed else ""
        sections = [("skipped (not run):", log.skipped),
                    ("failed while loading:", [f.text() for f in log.failed]),
                    ("IPython lines set aside:", log.ipython), ("notes:", log.notes)]
        details = "\n".join("\n".join([title, *lines]) for title, lines in sections if lines)
        records.append(Record(f"load:{log.relpath}", plan.label, "pass",
                              f"loaded {log.definitions} definition(s){skipped}{failed}",
                              function="(load)", definition=log.relpath, details=details))
    return records


def load_target(kind: str, target: str):
    """Discover and load ``target`` in this process; return ``(Implementation, records)``."""
    from . import discover, load

    plan = discover(kind, target)
    loaded = load(plan)
    records = load_records(plan, loaded)
    if kind == "module" and not loaded.problems:
        records.append(Record(f"load:{target}", plan.label, "pass", f"imported {target}",
                              function="(load)"))
    return implementation(plan, loaded), records
