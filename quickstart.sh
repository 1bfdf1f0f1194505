#!/bin/sh
# Install what cardagent needs (Debian 12; as root), build it in ./build
# and start it.  With no OpenPGP card plugged in, run a one-minute demo on
# a virtual card instead (tests/demo.sh; needs root).
set -eu
cd "$(dirname "$0")"
if [ "$(id -u)" -eq 0 ]; then
	# Keep package scripts from starting services (sshd on :22).
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $(cat packages.debian)
else
	echo "Not root: not installing packages (see packages.debian)."
fi

./autogen.sh >/dev/null 2>&1
mkdir -p build
cd build
[ -f Makefile ] || ../configure -q
make -s -j"$(nproc)"
make -s tests/rig/pcscprobe tests/vcard/vcard
cd ..

if build/tests/rig/pcscprobe list 2>/dev/null | grep -q present; then
	echo "A card is present.  Starting cardagent; in your shell run:"
	echo
	build/supervisor/cardagent
	echo
	echo "(or put  eval \"\$($(pwd)/build/supervisor/cardagent)\"  in your"
	echo " login session script; see README.md)"
elif [ "$(id -u)" -eq 0 ]; then
	echo "No OpenPGP card found: running the demo on a virtual card."
	sh tests/demo.sh
else
	echo "No OpenPGP card found.  The demo on a virtual card needs root:"
	echo "  sudo sh tests/demo.sh"
fi
