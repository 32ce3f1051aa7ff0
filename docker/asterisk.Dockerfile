# Asterisk 22 from Debian's archive, configured from ivr-config/asterisk/.
FROM debian:sid-slim
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends asterisk python3 \
 && rm -rf /var/lib/apt/lists/*
COPY ivr-config/asterisk/ /etc/asterisk/
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint
ENTRYPOINT ["/usr/local/bin/asterisk-entrypoint"]
