#!/bin/sh
# Writes the per-deployment secrets Asterisk includes, then runs it in the foreground
# as the package's `asterisk` user.
set -eu
: "${ACD_AMI_SECRET:?set ACD_AMI_SECRET (the AMI secret shared with the acd service)}"
: "${AGENT_PHONE_SECRET:?set AGENT_PHONE_SECRET (softphone password)}"
# Files holding secrets: written by root, read by Asterisk's group, nobody else.
umask 027
# The server's AMI user has only the classes it uses (docs/security.md): no system,
# no command, which would let an AMI client run shell commands.
cat >/etc/asterisk/manager_users.conf <<CONF
[aiguilleur]
secret = ${ACD_AMI_SECRET}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = call,user
write = call,originate,reporting
writetimeout = 1000
#include "manager_eventfilters.conf"
CONF
: >/etc/asterisk/pjsip_auth.conf
for n in 1001 1002 1003 1004; do
  printf '[%s]\ntype = auth\nauth_type = userpass\nusername = %s\npassword = %s\n\n' \
    "$n" "$n" "$AGENT_PHONE_SECRET" >>/etc/asterisk/pjsip_auth.conf
done
chown root:asterisk /etc/asterisk/manager_users.conf /etc/asterisk/pjsip_auth.conf
chmod 640 /etc/asterisk/manager_users.conf /etc/asterisk/pjsip_auth.conf
# What Asterisk writes belongs to its user; it drops root once asterisk.conf is read.
mkdir -p /var/run/asterisk
chown -R asterisk:asterisk /var/run/asterisk /var/log/asterisk /var/spool/asterisk /var/lib/asterisk
exec asterisk -U asterisk -G asterisk -f -g -n
