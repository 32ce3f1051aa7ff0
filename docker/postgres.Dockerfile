# PostgreSQL from Debian's packages, for the acd server's database only, running as
# the package's postgres user. BASE: debian:sid-slim or scripts/docker-images' base.
ARG BASE=debian:sid-slim
FROM ${BASE}

# The cluster is the volume's, made by the entrypoint: the package makes none.
RUN set -eu; mkdir -p /etc/postgresql-common/createcluster.d; \
    echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf; \
    apt-get -o Acquire::Check-Valid-Until=false update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
    rm -rf /var/lib/apt/lists/*; \
    ln -s "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)" /usr/local/lib/postgresql-bin; \
    mkdir -p /var/lib/postgresql/data /run/postgresql; \
    chown postgres:postgres /var/lib/postgresql/data /run/postgresql; \
    chmod 700 /var/lib/postgresql/data

COPY docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/local/lib/postgresql-bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
