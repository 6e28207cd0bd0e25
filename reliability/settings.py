"""The production settings (forum.settings, read from the environment), with one change:
collected static files go to the run's temporary directory, not the working tree."""

import os
from pathlib import Path

from forum.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["RELIABILITY_STATIC_ROOT"])
