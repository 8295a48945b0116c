"""What the web app asks of the library: uploads refused with a reason, results reused until a load."""
import pytest

from conftest import figures_file, monthly
from metrics import service


def test_an_upload_over_the_size_limit_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(service, "UPLOAD_LIMIT_BYTES", 1000)
    with pytest.raises(ValueError, match=r"big\.csv: the file is 0\.0 MB; the limit is 0 MB"):
        service.stage_upload("big.csv", b"x" * 1001)


def test_only_csv_and_excel_uploads_are_taken():
    with pytest.raises(ValueError, match="only .csv and .xlsx"):
        service.stage_upload("figures.pdf", b"%PDF-")


def test_status_is_computed_once_and_a_load_is_seen_at_once(tmp_path, plan_file):
    source = service.Source((str(plan_file),), str(tmp_path / "store.duckdb"))
    staged = service.stage_upload("a.csv", figures_file(tmp_path, monthly("crimes", "2006-04", ["5"])).read_bytes())
    service.load_upload(source, staged, dry_run=False)
    first = service.status(source, None, None, "force")
    assert service.status(source, None, None, "force") is not None
    calls = service._status.cache_info().hits
    service.status(source, None, None, "force")
    assert service._status.cache_info().hits == calls + 1          # reused, not recomputed
    staged = service.stage_upload("b.csv", figures_file(tmp_path, monthly("crimes", "2006-04", ["9"]), "b.csv").read_bytes())
    service.load_upload(source, staged, dry_run=False)
    after = service.status(source, None, None, "force")
    crimes = after.set_index("measure_id").loc["crimes", "actual"]
    assert crimes == 9 and first.set_index("measure_id").loc["crimes", "actual"] == 5
