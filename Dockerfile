# The Frontline worker image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
# jemalloc: the worker preloads it by itself (FRONTLINE_ALLOCATOR=auto; docs/soak.md).
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY pipeline ./pipeline
COPY examples ./examples
RUN pip install --no-cache-dir . && useradd --create-home frontline \
    && mkdir -p /var/lib/frontline && chown frontline /var/lib/frontline
USER frontline
CMD ["frontline", "worker"]
