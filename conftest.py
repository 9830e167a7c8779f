"""Loaded before Django is set up: give every test run its own data folder."""

import os
import tempfile

os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="dailypapers-test-"))
