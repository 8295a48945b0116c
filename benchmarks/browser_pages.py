"""How long each page keeps the browser busy, in headless Chromium, beside the app's lightest page
(the not-found page) measured in the same run; and how Dash's renderer scales with the size of a
plain table (30 rows against 90: three times the rows should cost about three times the time).

    python benchmarks/browser_pages.py

The browser's own busy time (its main thread's tasks, from the DevTools performance metrics) is
what a reader waits for after the server has answered: on this 2-core machine it is most of a
page's time.
"""
from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("/", "/board", "/measure/victim_satisfaction", "/areas", "/data", "/help")
BASELINE = "/no-such-page"


def serve(flask_app) -> str:
    from werkzeug.serving import make_server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, flask_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Performance.enable", {})
    return driver


def busy_seconds(driver, url: str) -> tuple[float, float]:
    """(the browser's main-thread task seconds, of which script) from opening `url` until it is
    idle: no new work in half a second."""
    driver.get("about:blank")
    driver.get(url)
    last = -1.0
    while True:
        time.sleep(0.5)
        metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
        if metrics["TaskDuration"] - last < 0.01:
            return metrics["TaskDuration"], metrics["ScriptDuration"]
        last = metrics["TaskDuration"]


def median_busy(driver, url: str, runs: int) -> tuple[float, float]:
    results = sorted(busy_seconds(driver, url) for _ in range(runs))
    return results[len(results) // 2]


def table_app(rows: int):
    """A bare Dash app whose one callback returns a table of `rows` rows shaped like the
    scorecard's (11 cells, a link and two lines in the first)."""
    from dash import Dash, Input, Output, dcc, html
    app = Dash(__name__ + str(rows))
    app.layout = html.Div([dcc.Location(id="url"), html.Div(id="table")])

    @app.callback(Output("table", "children"), Input("url", "pathname"))
    def table(_):
        body = [html.Tr([html.Td([dcc.Link(f"Measure {i}", href=f"/m/{i}"), html.Div("summary"), html.Div("period")])]
                        + [html.Td([html.Span("word", title="meaning"), html.Div("note")]) for _ in range(10)])
                for i in range(rows)]
        return html.Table(html.Tbody(body))
    return app


def main(runs: int = 3) -> None:
    import dash
    sys.path.insert(0, str(ROOT))
    from metrics import store
    from metrics.loading import load_figures
    from metrics.plan import load_plan

    db = Path(tempfile.mkdtemp()) / "browser.duckdb"
    conn = store.connect(db)
    load_figures(conn, load_plan(ROOT / "config" / "targets.yaml"), ROOT / "data" / "sample_figures.csv")
    conn.close()
    os.environ.update(METRICS_DB=str(db), METRICS_WARM_UP="0", METRICS_VIEW_BUILDER="0")
    import app
    url = serve(app.server)
    driver = chromium()
    try:
        print(f"Dash {dash.__version__}; browser busy seconds, median of {runs}, sample data")
        base, _ = median_busy(driver, url + BASELINE, runs)
        print(f"  {'not-found page (baseline)':32s} {base:6.2f} s")
        for page in PAGES:
            busy, script = median_busy(driver, url + page, runs)
            print(f"  {page:32s} {busy:6.2f} s  (script {script:5.2f} s)   {busy / base:5.1f}x the baseline")
        tables = {}
        for rows in (30, 90):
            tables[rows], _ = median_busy(driver, serve(table_app(rows).server), runs)
            print(f"  plain table of {rows} rows         {tables[rows]:6.2f} s")
        print(f"table_90_over_30: {tables[90] / tables[30]:.1f}   (linear is about 3)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
