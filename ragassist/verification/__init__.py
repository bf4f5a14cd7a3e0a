"""Verification: the second opinion on every answer, claim by claim.

Entry point: `verifier.Verifier().verify(claims, hits)` (or `.verify_text(answer, context)`).
The parts, in the order they run: `claims` (answer -> claims), `evidence` (the sentences a claim
rests on), `signals` (cheap checks: words, names, numbers), `judge` (a second LM), `fusion`
(signals -> one calibrated probability) and `policy` (flag, drop or refuse). `synthetic` makes
training pairs for the fusion.
"""
