#!/bin/sh
# Writes Asterisk's per-deployment files from the container's secrets and settings,
# then runs Asterisk in the foreground (as the image's user, asterisk).
#   /run/secrets/ami_secret      the AMI secret shared with the acd service
#   /run/secrets/sip_passwords   "<auth> <password>" per line, one per phone of pjsip.conf
#   /run/secrets/sip_trunk       extra pjsip sections kept out of git (the trunk's
#                                registration and auth), possibly empty
set -eu
: "${AIGUILLEUR_ASTERISK_ADDRESS:?address of Asterisk on the internal network}"
: "${AIGUILLEUR_ACD_ADDRESS:?address of the acd server on the internal network}"
: "${AIGUILLEUR_SIP_ADDRESS:?the host address phones and the trunk reach}"
sip_port=${AIGUILLEUR_SIP_PORT:-5060}
rtp_start=${AIGUILLEUR_RTP_START:-10000}
rtp_end=${AIGUILLEUR_RTP_END:-10099}
secrets=/run/secrets
etc=/etc/asterisk
umask 077

# AMI on the internal network only, for the acd server only. Its user has only the
# classes it uses (docs/security.md): no system, no command.
echo "bindaddr = $AIGUILLEUR_ASTERISK_ADDRESS" >"$etc/manager_bind.conf"
cat >"$etc/manager_users.conf" <<CONF
[aiguilleur]
secret = $(cat "$secrets/ami_secret")
deny = 0.0.0.0/0.0.0.0
permit = $AIGUILLEUR_ACD_ADDRESS/255.255.255.255
read = call,user
write = call,originate,reporting
writetimeout = 1000
#include "manager_eventfilters.conf"
CONF

# SIP on every address of the container, behind the host's published port: what
# Asterisk writes in its SIP headers and SDP is the host's address, for phones
# and the trunk to reach it.
cat >"$etc/pjsip_transport.conf" <<CONF
bind = 0.0.0.0:5060
external_signaling_address = $AIGUILLEUR_SIP_ADDRESS
external_signaling_port = $sip_port
external_media_address = $AIGUILLEUR_SIP_ADDRESS
CONF
printf '[general]\nrtpstart = %s\nrtpend = %s\n' "$rtp_start" "$rtp_end" >"$etc/rtp.conf"

# Every phone that pjsip.conf names an auth for needs its password.
: >"$etc/pjsip_auth.conf"
for auth in $(sed -n 's/^auth = //p' "$etc/pjsip.conf" | sort -u); do
  password=$(awk -v a="$auth" '$1 == a { print $2 }' "$secrets/sip_passwords")
  [ -n "$password" ] || { echo "asterisk-entrypoint: no password for $auth in sip_passwords" >&2; exit 1; }
  printf '[%s]\ntype = auth\nauth_type = userpass\nusername = %s\npassword = %s\n\n' \
    "$auth" "$auth" "$password" >>"$etc/pjsip_auth.conf"
done
[ ! -s "$secrets/sip_trunk" ] || cat "$secrets/sip_trunk" >>"$etc/pjsip_auth.conf"

rm -f /run/asterisk/asterisk.ctl
exec asterisk -f -g -n
