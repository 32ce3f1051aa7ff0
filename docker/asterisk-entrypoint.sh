#!/bin/sh
# Writes the per-deployment secrets Asterisk includes, then runs it in the foreground.
set -eu
: "${ACD_AMI_SECRET:?set ACD_AMI_SECRET (the AMI secret shared with the acd service)}"
: "${AGENT_PHONE_SECRET:?set AGENT_PHONE_SECRET (softphone password)}"
cat >/etc/asterisk/manager_users.conf <<CONF
[aiguilleur]
secret = ${ACD_AMI_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = system,call,user,agent,command,reporting,originate
write = system,call,user,agent,command,reporting,originate
CONF
: >/etc/asterisk/pjsip_auth.conf
for n in 1001 1002 1003 1004; do
  printf '[%s]\ntype = auth\nauth_type = userpass\nusername = %s\npassword = %s\n\n' \
    "$n" "$n" "$AGENT_PHONE_SECRET" >>/etc/asterisk/pjsip_auth.conf
done
exec asterisk -f -g -n
