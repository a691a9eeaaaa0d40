# Frontline: `make demo` and `make test` are the two commands. Each sets itself up on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JARS   := infra/kafka/libs/.resolved-stamp

.PHONY: setup demo test test-fast lint format typecheck bench kafka-start kafka-stop clean schemas model

setup: $(STAMP) $(JARS)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

$(JARS): infra/kafka/pom.xml
	@command -v mvn >/dev/null || { echo "Maven (mvn) is required once to fetch Kafka's jars"; exit 1; }
	mvn -q -B -f infra/kafka/pom.xml dependency:copy-dependencies
	@touch $@

demo: setup
	$(BIN)/frontline demo

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not integration and not browser and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: setup
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schemas: setup
	$(BIN)/python -m schemas.export

# Train the parser from ../shared/data/ud (or FRONTLINE_UD_DIR) into pipeline/data/parser/.
# Offline, about 45 minutes on one core; the result is committed, so demo and test never train.
model: setup
	$(BIN)/python infra/parser/train.py

bench: setup
	$(BIN)/python benchmarks/run.py

kafka-start: setup
	$(BIN)/frontline kafka start

kafka-stop: setup
	$(BIN)/frontline kafka stop

clean:
	-$(BIN)/frontline kafka stop 2>/dev/null
	rm -rf .frontline .pytest_cache .mypy_cache .ruff_cache
