/*
 * An OpenSSH certificate shared by the unit tests that need one
 * (tests/unit/test_cert.c, agent/test_proto.c): an Ed25519 user
 * certificate with principals and the default extensions.
 */
#ifndef CARDAGENT_TESTS_CERT_VECTORS_H
#define CARDAGENT_TESTS_CERT_VECTORS_H

/* ssh-keygen -s ca -I alice@example -n root,alice -z 42
 *     -V 20260101000000Z:20360101000000Z ed.pub */
static const char ED_CERT[] =
    "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ"
    "tdjAxQG9wZW5zc2guY29tAAAAIEkp4VTBFgU/bzqbwkLTJNw4//DmrkPbCoJ"
    "jpVgyobUUAAAAIAZ7dN1PdFblqx9xGJu4TP/8q/yo5mQta4TQqnTnPTE4AAA"
    "AAAAAACoAAAABAAAADWFsaWNlQGV4YW1wbGUAAAARAAAABHJvb3QAAAAFYWx"
    "pY2UAAAAAaVW5AAAAAAB8JF8AAAAAAAAAAIIAAAAVcGVybWl0LVgxMS1mb3J"
    "3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAAA"
    "WcGVybWl0LXBvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAA"
    "AAAAOcGVybWl0LXVzZXItcmMAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTk"
    "AAAAgYynVPsp4wTFd8YHJK6b7/kTDqcBa7LpzwD/OngXDOAkAAABTAAAAC3N"
    "zaC1lZDI1NTE5AAAAQG+NEoBNk6zL1WswUurZfY45c0oUVMkrNcSWBVMScYh"
    "UYnFCND/hSAgAafyT4oSax8RfVRw5RtgtAbQmina+sgM= ed" "\n";

#endif
