"""Tabular datastore: turns uploaded municipal tables into typed, queryable Parquet.

The public entry point is :func:`hiraku.datastore.ingest.ingest_file`. The
package is a plain library: the API, job wiring and UI call it, it never calls
them.
"""
