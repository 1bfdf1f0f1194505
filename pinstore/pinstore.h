/* pinstore's sandbox (pinstore/sandbox.c; reasons in doc/SANDBOX.md). */
#ifndef CARDAGENT_PINSTORE_H
#define CARDAGENT_PINSTORE_H

/* Install pinstore's allowlist for its backend; fatal on failure. */
void	pinstore_sandbox(int secret_service);

#endif
