"""Peers: this force ranked among them, and a funnel plot of a rate against its volume."""
import dataclasses
import math

import pytest
from conftest import figures_file, monthly, plan_with

from metrics import charts, peers
from metrics.errors import NotHeld
from metrics.loading import load_figures
from metrics.periods import parse_month
from metrics.plan import Area

RATE = """
- id: answered
  title: 999 calls answered in 10 seconds
  unit: percent
  direction: higher
  aggregation: ratio
  assess_on: month
"""


def peer_plan(tmp_path, store):
    plan = plan_with(tmp_path, RATE)
    plan = dataclasses.replace(plan, areas=plan.areas + (
        Area("peer_a", "Peer force A", "peer"), Area("peer_b", "Peer force B", "peer")))
    rows = (monthly("answered", "2008-03", [(90, 100)]) + monthly("answered", "2008-03", [(320, 400)], "peer_a")
            + monthly("answered", "2008-03", [(450, 500)], "peer_b") + monthly("answered", "2008-03", [(50, 100)], "north"))
    load_figures(store, plan, figures_file(tmp_path, rows))
    return plan


def test_the_force_is_ranked_among_its_peers_and_districts_are_left_out(tmp_path, fresh_store):
    plan = peer_plan(tmp_path, fresh_store)
    frame = peers.ranking(fresh_store, plan, "answered", parse_month("2008-03"))
    assert frame["area"].tolist() == ["force", "peer_b", "peer_a"]      # 90%, 90%, 80%: north is a district
    assert frame["rank"].tolist() == [1, 1, 3]                          # a tie shares its rank
    assert frame["words"].iloc[0] == "Force ranks 1st of 3 (best first) for March 2008"  # the period it is ranked on


def test_funnel_limits_worked_by_hand(tmp_path, fresh_store):
    plan = peer_plan(tmp_path, fresh_store)
    areas, limits = peers.funnel(fresh_store, plan, "answered", parse_month("2008-03"))
    # Pooled: (90 + 320 + 450) / (100 + 400 + 500) = 860 / 1000 = 0.86, the group's rate 86%.
    # Peer force A, n = 400: sqrt(0.86 x 0.14 / 400) = 0.017349; 95%: 86 +/- 1.96 x 1.7349 = 82.60 to 89.40;
    # 99.8%: 86 +/- 3.09 x 1.7349 = 80.64 to 91.36. Its 80% is below both.
    a = areas.set_index("area").loc["peer_a"]
    assert a["group_rate"] == pytest.approx(86)
    assert a["lower_95%"] == pytest.approx(86 - 1.959964 * 100 * math.sqrt(0.86 * 0.14 / 400))
    assert round(a["lower_95%"], 2) == 82.60 and round(a["upper_99.8%"], 2) == 91.36
    assert a["outside"] == "below 99.8%"
    # The force, n = 100: 95% 86 +/- 1.96 x 3.4699 = 79.20 to 92.80: its 90% is within.
    force = areas.set_index("area").loc["force"]
    assert round(force["upper_95%"], 2) == 92.80 and force["outside"] == "within"
    # Peer force B, n = 500: 95% upper 86 + 1.96 x 1.5518 = 89.04; its 90% is above 95%, within 99.8% (90.80).
    assert areas.set_index("area").loc["peer_b", "outside"] == "above 95%"
    assert limits["upper_95%"].is_monotonic_decreasing                  # the funnel narrows with volume


def test_a_funnel_needs_a_ratio_measure(tmp_path, fresh_store):
    plan = plan_with(tmp_path, RATE.replace("aggregation: ratio", "aggregation: mean").replace("percent", "count"))
    with pytest.raises(NotHeld, match="needs a ratio measure"):
        peers.funnel(fresh_store, plan, "answered", parse_month("2008-03"))


def test_the_figures_name_every_area_and_say_where_each_lies(tmp_path, fresh_store):
    plan = peer_plan(tmp_path, fresh_store)
    measure = plan.measure("answered")
    bars = charts.peer_ranking_figure(peers.ranking(fresh_store, plan, "answered", parse_month("2008-03")), measure)
    assert bars["data"][0]["y"] == ["Force (this force)", "Peer force B", "Peer force A"]
    areas, limits = peers.funnel(fresh_store, plan, "answered", parse_month("2008-03"))
    funnel = charts.funnel_figure(areas, limits, measure)
    hover = " ".join(t for trace in funnel["data"] for t in trace.get("text", []) or [] if isinstance(t, str))
    assert "Peer force A: 80.0% of 400: below the 99.8% limit" in hover


def test_the_sample_ranks_the_force_among_its_invented_peers(tmp_path):
    from pathlib import Path

    from metrics import store
    from metrics.plan import load_plan

    root = Path(__file__).resolve().parent.parent
    plan = load_plan(root / "config" / "targets.yaml")
    conn = store.connect(tmp_path / "s.duckdb")
    load_figures(conn, plan, root / "data" / "sample_figures.csv")
    frame = peers.ranking(conn, plan, "calls_999_10s", parse_month("2009-03"))
    assert len(frame) == 6 and set(frame["area_kind"]) == {"force", "peer"}  # no district, no comparator
    assert all("(illustrative)" in name for name in frame.loc[~frame["is_force"], "area_name"])
    areas, _ = peers.funnel(conn, plan, "sanction_detection_rate", parse_month("2009-03"))
    assert len(areas) == 6 and areas["outside"].isin(["within", "above 95%", "below 95%", "above 99.8%", "below 99.8%"]).all()
