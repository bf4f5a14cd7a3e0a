"""Where ragassist keeps its files: the user data folder and the default index inside it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ragassist"


def data_dir() -> Path:
    """The user data folder (index, model cache, chat history); RAGASSIST_HOME overrides it."""
    home = os.environ.get("RAGASSIST_HOME")
    return Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME))


def default_index_dir() -> Path:
    """Where the index lives unless --index or RAGASSIST_INDEX says otherwise."""
    env = os.environ.get("RAGASSIST_INDEX")
    return Path(env) if env else data_dir() / "index"
