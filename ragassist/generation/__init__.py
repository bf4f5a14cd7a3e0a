"""Generation: a prompt of fenced passages, a local LLM that streams the answer, its citations.

Entry points: `prompt.build_prompt(question, hits)`, `backends.make_generator(config)` (the
onnxruntime, PyTorch or llama.cpp backend, all sharing `decoding.DecodingLoop`),
`models.REGISTRY` (which package holds which weights, sha256-checked) and
`citations.check_citations(answer, hits)`.
"""
