# The acd server from this checkout, in a venv on Debian's Python, running as the
# unprivileged user aiguilleur. BASE: debian:sid-slim or scripts/docker-images' base.
ARG BASE=debian:sid-slim
FROM ${BASE}

RUN set -eu; \
    apt-get -o Acquire::Check-Valid-Until=false update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv ca-certificates tzdata; \
    rm -rf /var/lib/apt/lists/*; \
    python3 -m venv /opt/aiguilleur; \
    useradd --system --home-dir /var/lib/aiguilleur --create-home --shell /usr/sbin/nologin aiguilleur

# Certificate authorities the build machine adds to reach PyPI (a TLS-inspecting proxy:
# scripts/docker-images passes the host's /usr/local/share/ca-certificates); trusted by
# pip during the build only, never by the image.
ARG LOCAL_CA_CERTS=""
# The dependencies first, in their own layer: a change of the code alone reuses it.
COPY pyproject.toml /tmp/build/
RUN set -eu; cd /tmp/build; \
    cat /etc/ssl/certs/ca-certificates.crt >ca.pem; printf '%s\n' "$LOCAL_CA_CERTS" >>ca.pem; \
    /opt/aiguilleur/bin/python -c 'import tomllib, sys; p = tomllib.load(open(sys.argv[1], "rb")); \
print("\n".join(p["build-system"]["requires"] + p["project"]["dependencies"]))' \
      pyproject.toml >requirements.txt; \
    PIP_CERT=/tmp/build/ca.pem /opt/aiguilleur/bin/pip install --no-cache-dir \
      --disable-pip-version-check -q -r requirements.txt; \
    rm ca.pem
COPY README.md /tmp/build/
COPY acd/ /tmp/build/acd/
COPY crm/ /tmp/build/crm/
# Built with the setuptools installed above: nothing more to fetch.
RUN /opt/aiguilleur/bin/pip install --no-cache-dir --disable-pip-version-check -q --no-deps \
      --no-build-isolation /tmp/build && rm -rf /tmp/build
COPY docker/acd-entrypoint.sh /usr/local/bin/acd-entrypoint
COPY docker/acd-healthcheck.py /usr/local/bin/acd-healthcheck

# The centre's files (ivr-config/) are mounted here; see docker-compose.yml.
ENV PATH=/opt/aiguilleur/bin:$PATH \
    ACD_CENTRE_DIR=/etc/aiguilleur/centre \
    PGPASSFILE=/tmp/pgpass
USER aiguilleur
WORKDIR /var/lib/aiguilleur
EXPOSE 8080
# The server stops cleanly (journal flushed) on Ctrl-C; as PID 1 it would ignore SIGTERM.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/acd-entrypoint"]
CMD ["serve"]
