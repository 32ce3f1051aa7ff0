# Asterisk 22 from Debian's archive, configured from ivr-config/asterisk/, running as
# the package's asterisk user. BASE: debian:sid-slim, or the base scripts/docker-images
# imports (which already holds Asterisk, so nothing is downloaded).
ARG BASE=debian:sid-slim
FROM ${BASE}

# Only what the base lacks; sid's Release may be past its Valid-Until date.
RUN set -eu; missing=""; \
    for p in asterisk python3; do \
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"; \
    done; \
    if [ -n "$missing" ]; then \
      apt-get -o Acquire::Check-Valid-Until=false update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing \
      && rm -rf /var/lib/apt/lists/*; \
    fi

COPY ivr-config/asterisk/*.conf /etc/asterisk/
COPY docker/tones.py /usr/local/lib/aiguilleur/tones.py
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint

# The container's own edits to the sandbox's configuration, each checked: AMI and SIP
# listen where the entrypoint says (AMI on the internal network only, SIP on all of
# the container's addresses behind the published port).
RUN set -eu; cd /etc/asterisk; \
    sed -i 's/^bindaddr = 127\.0\.0\.1$/#include "manager_bind.conf"/' manager.conf; \
    grep -qx '#include "manager_bind.conf"' manager.conf; \
    sed -i 's/^bind = 127\.0\.0\.1:5060$/#include "pjsip_transport.conf"/' pjsip.conf; \
    grep -qx '#include "pjsip_transport.conf"' pjsip.conf; \
    python3 /usr/local/lib/aiguilleur/tones.py /var/lib/asterisk/moh \
      "$(readlink -f /usr/share/asterisk/sounds/en)/aiguilleur"; \
    for f in manager_bind.conf manager_users.conf pjsip_transport.conf pjsip_auth.conf rtp.conf; do \
      : >"$f"; chown asterisk:asterisk "$f"; chmod 600 "$f"; \
    done; \
    mkdir -p /run/asterisk /var/log/asterisk/cdr-csv /var/log/asterisk/cdr-custom \
      /var/spool/asterisk /var/lib/asterisk /var/cache/asterisk; \
    chown -R asterisk:asterisk /run/asterisk /var/log/asterisk /var/spool/asterisk \
      /var/lib/asterisk /var/cache/asterisk

USER asterisk
# SIP; RTP is the range the entrypoint is given (AIGUILLEUR_RTP_START..END).
EXPOSE 5060/udp
ENTRYPOINT ["/usr/local/bin/asterisk-entrypoint"]
