"""The executor's side of ``load``: the target's definitions, found by the loader.

(An adapter over :mod:`gradlab.conformance.targets` until the loading package lands.)
"""

from __future__ import annotations

from ..loading.targets import load_target

__all__ = ["load"]


def load(body, definitions: dict) -> dict:
    """Load the target described by ``body`` (``{"kind", "target"}``); fill ``definitions``
    (id -> object) and return what the judge needs to know about them."""
    impl, records = load_target(body["kind"], body["target"])
    found = {}
    for name, obj in impl.objects.items():
        definitions[name] = obj
        found[name] = {"origin": impl.origins.get(name, ""),
                       "kind": "class" if isinstance(obj, type) else "function"}
    return {"definitions": found, "records": [r.to_json() for r in records],
            "script_names": sorted(impl.script_names)}
