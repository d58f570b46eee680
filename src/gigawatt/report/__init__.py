"""Outputs: files (CSV, JSON) written atomically and self-contained HTML reports."""
