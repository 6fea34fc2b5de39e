"""Directory sign-in adapters: LDAP / Active Directory (`ldap`) and OpenID Connect (`oidc`).
Who a directory account is in planflow is `workflow.services.directory`."""
