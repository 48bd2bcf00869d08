"""The engine's side of recipes: which steps a job runs.

The recipe types (`StepSpec`, `CopyContext`, `StepOutcome`) and the standard recipe live in
`services/recipe.py`, where the adapters that give recipes may import them; they are re-exported
here for the runner. This module adds what only the engine decides: a confirmed replace that
deletes the target's outdated copy first, ahead of the source adapter's own recipe.
"""

from __future__ import annotations

from regionsync.domain import JobState
from regionsync.services.recipe import CopyContext, StepOutcome, StepSpec, standard_recipe, step_names


def delete_outdated_step(replace_id: str) -> StepSpec:
    """The first step of a confirmed replace: delete the target's outdated copy (gone already is fine)."""

    async def delete(c: CopyContext) -> StepOutcome:
        await c.target.delete_asset(c.kind, replace_id)
        return StepOutcome(detail={"target_id": replace_id})

    return StepSpec("delete-outdated", delete, runs="target")


def recipe_for(ctx: CopyContext, *, replace_id: str | None = None) -> list[StepSpec]:
    """The steps of this job: the source adapter's recipe (the standard one unless it has its own)."""
    return ([delete_outdated_step(replace_id)] if replace_id else []) + list(ctx.source.recipe(ctx))


__all__ = [
    "CopyContext",
    "JobState",
    "StepOutcome",
    "StepSpec",
    "delete_outdated_step",
    "recipe_for",
    "standard_recipe",
    "step_names",
]
