# Two commands on a fresh machine:  make run  (the app on the sample data)  and  make test  (everything).
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: run serve test browser postgres screenshots bench load-test clean

$(VENV)/.installed: requirements.txt
	@echo "Setting up: installing the Python packages in requirements.txt into $(VENV)"
	@echo "(about 2 minutes on a fresh machine; only once, or when requirements.txt changes)"
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@echo "Python packages installed."
	touch $@

# The first run loads the invented sample figures into a new store, and says so; never over real figures.
run: $(VENV)/.installed
	@$(PY) -m metrics sample --first-run
	$(PY) app.py

# For a team: gunicorn with gunicorn.conf.py (HOST, PORT, METRICS_WORKERS, METRICS_THREADS; see README).
serve: $(VENV)/.installed
	$(PY) -m gunicorn -c gunicorn.conf.py app:server

# Debian's Chromium and its driver for the browser tests, and pdftotext for reading board packs back.
browser:
	@echo "Checking for Chromium, its driver and pdftotext (installed from Debian the first time, about a minute)"
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v pdftotext >/dev/null; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils >/dev/null; \
	fi

# Debian's PostgreSQL server, for the shared-store tests (each test run starts a throwaway cluster).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing Debian's postgresql for the shared-store tests (about a minute)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# The suite on both cores (TEST_WORKERS=0 runs it in this one process, as a debugger wants).
TEST_WORKERS ?= 2
test: $(VENV)/.installed browser postgres
	$(PY) -m pytest -n $(TEST_WORKERS)

# The README's pictures, refreshed on purpose: an ordinary test run saves its screenshots to a temporary folder.
SCREENSHOT_TESTS := tests/test_app_pages.py tests/test_measure_spc_page.py \
	tests/test_digest.py::test_the_digest_page_says_what_the_latest_load_changed \
	tests/test_print_and_phone.py::test_on_a_phone_the_navigation_and_the_pickers_fold_away_and_tables_scroll_in_their_frame
screenshots: $(VENV)/.installed browser
	METRICS_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -m browser $(SCREENSHOT_TESTS)

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py --quick

load-test: $(VENV)/.installed
	$(PY) benchmarks/load_test.py --quick

clean:
	rm -rf $(VENV) data/performance.duckdb data/performance.duckdb.wal
