#!/bin/sh
# The acd server's database: made on the volume's first start, then started as it is.
# The role `aiguilleur` owns the database `aiguilleur`; its password is the secret
# /run/secrets/db_password, set again at every start (changing the file and
# restarting changes it). The superuser `postgres` has no password: it signs in only
# over the container's own socket (docker compose exec db psql).
set -eu
password_file=/run/secrets/db_password
[ -s "$password_file" ] || { echo "postgres-entrypoint: $password_file is empty" >&2; exit 1; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  # The internal network reaches it: clients there sign in with a password.
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE aiguilleur" | postgres --single -D "$PGDATA" postgres >/dev/null
fi

# The volume's cluster was made by another major version: it needs pg_upgrade first.
version=$(postgres --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
if [ "$(cat "$PGDATA/PG_VERSION")" != "$version" ]; then
  echo "postgres-entrypoint: the data is PostgreSQL $(cat "$PGDATA/PG_VERSION"), this image $version: dump and restore it (README)" >&2
  exit 1
fi

# Single quotes doubled: the password is an SQL string literal.
password=$(sed "s/'/''/g" "$password_file")
# -j: a statement ends at a semicolon and a blank line (the DO block spans lines).
postgres --single -j -D "$PGDATA" postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aiguilleur') THEN
    CREATE ROLE aiguilleur LOGIN;
  END IF;
END \$\$;

ALTER ROLE aiguilleur PASSWORD '$password';

ALTER DATABASE aiguilleur OWNER TO aiguilleur;

SQL
exec postgres -D "$PGDATA"
