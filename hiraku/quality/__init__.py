"""Data quality: Japan's 自治体標準オープンデータセット schemas, machine-readability checks and fixes."""
