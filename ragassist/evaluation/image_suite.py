"""`ragassist eval image`: the image model's own evaluation, run through the common run loop.

The image evaluation is one piece of work (prompt adherence, the judge's ceiling, injected wrong
images, VAE / GAN / diffusion side by side), so its plan is a single item; the detailed report it
writes goes to the run folder's `image/` subfolder, and the run's report.md links to it.
"""

from __future__ import annotations

from typing import Any

from .runner import ItemScorer, Plan, RunContext, Summary


class ImageSuite:
    """Prompt adherence and judge checks of the shipped latent-diffusion weights."""

    name = "image"
    config_sections: tuple[str, ...] = ()
    summary = "image model: prompt adherence, judge ceiling, injected wrong images"
    default_n: int | None = 300  # prompts per prompt set (about 2-3 minutes on 2 cores)

    def plan(self, ctx: RunContext) -> Plan:
        n = ctx.n or self.default_n
        return Plan([{"id": "image-eval", "n": n}], {"prompts_per_set": n})

    def open(self, ctx: RunContext) -> ItemScorer:
        from ..image.evaluate import run_image_eval

        def score(item: dict[str, Any]) -> dict[str, Any]:
            report = run_image_eval(int(item["n"]), ctx.options.seed, ctx.out / "image")
            return {"id": item["id"], "report": report}

        return score

    def summarize(self, rows: list[dict[str, Any]], ctx: RunContext) -> Summary:
        report = rows[0]["report"] if rows else {}
        adherence = {
            name: result.get("all")
            for name, result in report.get("adherence", {}).items()
            if isinstance(result, dict)
        }
        caught = report.get("injected_wrong_images", {})
        metrics: dict[str, Any] = {"all attributes right, per prompt set": adherence}
        if isinstance(caught, dict) and "caught" in caught:
            metrics["judge"] = {"injected wrong images caught": caught["caught"]}
        return Summary(
            metrics, notes=["Full tables and the sample grid: [image/report.md](image/report.md)."]
        )
