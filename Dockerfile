# One image for the Rasa server, the action server, the clinic page and the staff page (docker-compose.yml
# picks the command). The Makefile does the work, as on a developer machine: `make train`
# creates .venv (Python 3.10), installs the versions of requirements.lock and the project, builds the spaCy pipeline, the
# generated responses and the widget's npm packages, and trains the model.
FROM python:3.10-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends make nodejs npm \
 && rm -rf /var/lib/apt/lists/*

ENV RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app

# Only what the assistant needs (no .venv, var/, node_modules or test output from the host).
COPY pyproject.toml requirements.lock Makefile README.md config.yml endpoints.yml credentials.yml ./
COPY bot/ bot/
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY data/ data/
COPY domain/ domain/
COPY deploy/ deploy/
COPY web/package.json web/package-lock.json web/*.html web/*.css web/*.js web/
RUN make train

EXPOSE 5005 5055 8080 8081
# `rasa run` through the project's launcher: the HTTP API only with a token, no TensorFlow for this model.
CMD ["python", "-m", "bot.ops.rasa_server", "--interface", "0.0.0.0", "--port", "5005", "--model", "models", "--endpoints", "deploy/endpoints.yml", "--credentials", "credentials.yml"]
