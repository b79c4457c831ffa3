# newswatch: one image for every role (migrate, poller, worker); the command picks the role.
#   docker build -t newswatch .
#   docker run --rm -e DATABASE_URL=... -e REDIS_URL=... newswatch worker --queues extract
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY newswatch ./newswatch
COPY db ./db
COPY feeds ./feeds
COPY workers ./workers
COPY ops ./ops
# A virtualenv copied whole into the runtime stage: no compilers or caches in the final image.
RUN python -m venv /opt/newswatch && /opt/newswatch/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/newswatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSWATCH_LOG_FORMAT=json \
    NEWSWATCH_DATA_DIR=/var/lib/newswatch
COPY --from=build /opt/newswatch /opt/newswatch
# Never run as root: a fixed uid so volumes and secrets can be granted to it.
RUN useradd --system --uid 10001 --home-dir /var/lib/newswatch --create-home newswatch
USER newswatch
WORKDIR /var/lib/newswatch
# Celery and the poller finish the work in hand on SIGTERM (docker stop sends it).
STOPSIGNAL SIGTERM
ENTRYPOINT ["newswatch"]
CMD ["--help"]
