"""A view-model as canonical, human-diffable JSON."""

from __future__ import annotations

import json

from pydantic import BaseModel


def view_json(view: BaseModel) -> str:
    """The view-model as canonical, human-diffable JSON (sorted keys)."""
    return json.dumps(view.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
