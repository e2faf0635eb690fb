#!/usr/bin/env bash
# Builds the Debian package, installs it on this machine, and checks that the installed
# binary migrates and serves as its own user with the packaged settings. Needs root
# (dpkg) and cargo-deb (`cargo install cargo-deb`). Leaves the package removed, the data
# dir and user in place (as a real removal does).
set -euo pipefail
cd "$(dirname "$0")/.."

# NO_BUILD=1 packages the release binary already built.
deb=$(cargo deb ${NO_BUILD:+--no-build} 2>/dev/null | tail -n 1)
echo "built $deb"
dpkg -i "$deb"

getent passwd huiying >/dev/null || { echo "FAIL: no huiying user"; exit 1; }
[ "$(stat -c %U /var/lib/huiying)" = huiying ] || { echo "FAIL: /var/lib/huiying not the service's"; exit 1; }
[ -f /lib/systemd/system/huiying.service ] || { echo "FAIL: no systemd unit"; exit 1; }

# The packaged settings name production; this check runs as development on a free port,
# the rest as packaged.
as_service() {
    runuser -u huiying -- env HUIYING_DATA_DIR=/var/lib/huiying HUIYING_ENV=development \
        HUIYING_BIND=127.0.0.1:18080 HUIYING_PUBLIC_URL=http://127.0.0.1:18080 \
        HUIYING_SECURE_COOKIES=false "$@"
}
as_service /usr/bin/huiying --config /etc/huiying/huiying.toml migrate
as_service /usr/bin/huiying --config /etc/huiying/huiying.toml migrate --check
# The packaged settings pass the check; in production, insecure cookies are refused.
runuser -u huiying -- /usr/bin/huiying --config /etc/huiying/huiying.toml check-config
if runuser -u huiying -- env HUIYING_SECURE_COOKIES=false HUIYING_BIND=127.0.0.1:18081 \
    /usr/bin/huiying --config /etc/huiying/huiying.toml serve --no-demo 2>/dev/null; then
    echo "FAIL: serve started in production with insecure cookies"; exit 1
fi
as_service /usr/bin/huiying --config /etc/huiying/huiying.toml serve &
server=$!
# runuser does not pass signals on: stop the server by its user.
stop() { pkill -TERM -u huiying -x huiying 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 50); do
    if curl -fsS http://127.0.0.1:18080/readyz >/dev/null 2>&1; then break; fi
    sleep 0.2
done
curl -fsS http://127.0.0.1:18080/healthz
echo
curl -fsS http://127.0.0.1:18080/readyz
echo
[ "$(stat -c %U /var/lib/huiying/huiying.db)" = huiying ] || { echo "FAIL: database not the service's"; exit 1; }
stop
trap - EXIT
dpkg -r huiying
echo "OK: the package installs, migrates and serves as huiying"
