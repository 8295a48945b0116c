"""The throwaway PostgreSQL cluster the shared-store tests use, reached through DuckDB's extension."""
import duckdb

from tests.postgres_cluster import throwaway_cluster


def test_duckdb_reads_and_writes_a_throwaway_postgresql_database():
    import duckdb_extensions
    duckdb_extensions.import_extension("postgres_scanner")
    with throwaway_cluster() as url:
        conn = duckdb.connect()
        conn.execute("LOAD postgres")
        conn.execute(f"ATTACH '{url}' AS shared (TYPE postgres)")
        conn.execute("CREATE TABLE shared.figures (measure_id VARCHAR, value DOUBLE)")
        conn.execute("INSERT INTO shared.figures VALUES ('crimes', 8399), ('crimes', 1)")
        assert conn.execute("SELECT sum(value) FROM shared.figures").fetchone()[0] == 8400
        conn.close()
