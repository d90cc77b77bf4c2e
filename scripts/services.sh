#!/usr/bin/env bash
# Make sure PostgreSQL and MariaDB answer on 127.0.0.1 for the test suite: start them when they are
# installed and stopped, install them (Debian packages, as root) when they are missing.
set -euo pipefail

wait_for() {  # wait_for NAME COMMAND...: up to 30 s for COMMAND to succeed
  local name=$1; shift
  for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "services: $name did not come up" >&2; return 1
}

install_missing() {
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "services: missing ${missing[*]} and cannot install them here (needs root and apt-get)" >&2
    return 0
  fi
  echo "services: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
maria_up() { mariadb -uroot -h127.0.0.1 -P3306 -e 'select 1'; }

install_missing

if ! pg_up && command -v pg_ctlcluster >/dev/null; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for PostgreSQL pg_up
  # a fresh install only trusts local sockets: let the tests in over loopback without a password
  if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main reload
  fi
fi

if ! maria_up && [ -x /usr/sbin/mariadbd ]; then
  echo "services: starting MariaDB"
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for MariaDB maria_up || {
    # root over TCP may need a password-less login on a fresh install
    mariadb -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION" || true
    wait_for MariaDB maria_up
  }
fi

pg_up && echo "services: PostgreSQL ready" || echo "services: PostgreSQL not available" >&2
maria_up && echo "services: MariaDB ready" || echo "services: MariaDB not available" >&2
