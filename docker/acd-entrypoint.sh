#!/bin/sh
# The acd server with its secrets read from files: the AMI secret through
# ACD_AMI_SECRET_FILE, the database password through the driver's password file
# PGPASSFILE (the image names it; written here from /run/secrets/db_password, so that
# `docker compose exec acd acd ...` finds it too).
# `serve` (the default) migrates the schema first; anything else is an acd command.
# Beside the running server, use `docker compose exec acd acd users list`.
set -eu
if [ -r /run/secrets/db_password ]; then
  # pgpass escapes backslash and colon.
  (umask 077; printf '*:*:*:*:%s\n' "$(sed 's/[\\:]/\\&/g' /run/secrets/db_password)" >"$PGPASSFILE")
fi
if [ "${1:-serve}" = serve ]; then
  acd migrate
  exec acd serve
fi
exec acd "$@"
