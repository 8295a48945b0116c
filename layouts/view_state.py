"""The scorecard's view as the URL's query holds it (filters and sort): read by its page and its
callbacks, so a shared link or Back brings the same view. No page is registered here, so the
callbacks can import it without the app."""
from __future__ import annotations

from layouts.components import RAG

SORTS = {"plan": "The plan's order", "status": "Status, worst first", "name": "Measure name, A to Z"}


def query_filters(query: dict, plan) -> dict:
    """The filters a query string asks for, anything unknown left out."""
    owners = {m.owner for m in plan.measures if m.owner}
    statuses = [s for s in (query.get("status") or "").split(",") if s in RAG]
    return {"priority": query.get("priority") if query.get("priority") in {p.id for p in plan.priorities} else None,
            "owner": query.get("owner") if query.get("owner") in owners else None,
            "status": statuses or None,
            "sort": query.get("sort") if query.get("sort") in SORTS else "plan"}
