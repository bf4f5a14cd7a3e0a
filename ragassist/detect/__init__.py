"""Detect: was a text written by a language model? Zero-shot scores from two packaged models.

Entry points: `Detector().score(text)` -> `Detection` (detector.py), the per-token statistics and
the scores made from them (stats.py: perplexity, Binoculars, Fast-DetectGPT), the models that give
every position's logits (lm.py) and the input checks (text_input.py). Measured by
`ragassist eval detect` (evaluation/detect_suite.py); the calibration it fitted is calibration.json.
"""

from .detector import Detection, Detector, Driver

__all__ = ["Detection", "Detector", "Driver"]
