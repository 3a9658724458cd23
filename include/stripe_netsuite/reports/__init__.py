"""Reports: each DAG run's Markdown/JSON report (run_reports) and the finance reports.

Finance reports: `read` (state DB -> ledger rows) -> `build` (pure: tables, summary, chart series) ->
`charts`, `html`, `exports` (SVG, HTML, CSV/XLSX) -> `publish` (files and RunReport row, where `files` says;
`files.list_reports` is what a viewer lists). `urls` is the one home of Stripe Dashboard and NetSuite URLs.
"""
