"""Readers for the file shapes the loader accepts that need more than DuckDB's read_csv:
Excel workbooks (streamed, with a row limit) and police.uk street-level crime files."""
