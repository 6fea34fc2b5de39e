#!/usr/bin/env bash
# A throwaway OpenLDAP server for the directory sign-in tests and for trying LDAP sign-in
# by hand: Debian's slapd (`make ldap` installs slapd and ldap-utils), its own config and
# database under DIR, the test tree test-tree.ldif (dc=sonoivu,dc=example,dc=vn), listening
# on 127.0.0.1:PORT only. Runs in the foreground until killed.
#   deploy/directory/slapd.sh DIR PORT
# The ppolicy module is loaded for its `pwdAccountLockedTime` attribute, OpenLDAP's mark of
# a locked (disabled) account: the test tree locks khoa.tcbc, and planflow refuses it by
# PLANFLOW_LDAP_DISABLED_FILTER="(pwdAccountLockedTime=*)" whatever its password.
set -euo pipefail
dir=${1:?usage: slapd.sh DIR PORT}
port=${2:?usage: slapd.sh DIR PORT}
here="$(cd "$(dirname "$0")" && pwd)"
slapd=/usr/sbin/slapd
[ -x "$slapd" ] || { echo "slapd is not installed (make ldap)" >&2; exit 3; }
rm -rf "$dir" && mkdir -p "$dir/config" "$dir/data"
cat > "$dir/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=sonoivu,dc=example,dc=vn
olcRootDN: cn=admin,dc=sonoivu,dc=example,dc=vn
olcRootPW: admin-test-only
olcDbDirectory: $dir/data
olcDbMaxSize: 16777216
olcAccess: {0}to attrs=userPassword by self =xw by anonymous auth by * none
olcAccess: {1}to * by dn.exact="cn=planflow,ou=services,dc=sonoivu,dc=example,dc=vn" read by self read by * none

dn: olcOverlay={0}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {0}ppolicy
LDIF
/usr/sbin/slapadd -q -n 0 -F "$dir/config" -l "$dir/config.ldif"
/usr/sbin/slapadd -q -n 1 -F "$dir/config" -l "$here/test-tree.ldif"
exec "$slapd" -d 0 -F "$dir/config" -h "ldap://127.0.0.1:$port/"
