FROM python:3.11-slim
WORKDIR /srv/aiguilleur
COPY pyproject.toml README.md ./
COPY acd/ acd/
COPY crm/ crm/
COPY ivr-config/ ivr-config/
RUN pip install --no-cache-dir .
# The host's network: the API listens on its loopback only, for a TLS reverse proxy there.
ENV ACD_CENTRE_DIR=/srv/aiguilleur/ivr-config \
    ACD_HTTP_HOST=127.0.0.1
CMD ["sh", "-c", "acd migrate && acd serve"]
