"""NetSuite REST + SuiteQL emulator on SQLite, with TBA signature checks."""
