#!/usr/bin/env bash
# Makes sure everything the test suite talks to is there and answering:
#   MariaDB  127.0.0.1:3306  root, empty password, database `test`
#   Redis    127.0.0.1:6379
#   Debian's Chromium and ChromeDriver (browser tests)
#   the docs' Node tools (npm ci --prefix docs)
#   the Node GraphQL client of the tests (npm ci --prefix testdata/graphql-client)
# Idempotent: what already answers is only checked. What is stopped is started,
# what is missing is installed from Debian's packages (apt-get update at most once).
# Exits non-zero with a clear message when a server still does not answer.
# Optional: SERVICES_MYSQL_PORT, SERVICES_REDIS_PORT, SERVICES_WAIT_SECONDS (60).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive
readonly MYSQL_HOST=127.0.0.1 MYSQL_PORT=${SERVICES_MYSQL_PORT:-3306}
readonly REDIS_HOST=127.0.0.1 REDIS_PORT=${SERVICES_REDIS_PORT:-6379}
readonly WAIT_SECONDS=${SERVICES_WAIT_SECONDS:-60}
readonly started_at=$EPOCHREALTIME

log() { printf 'services: %s\n' "$*"; }
die() {
	printf 'services: ERROR: %s\n' "$*" >&2
	if [[ "${CI:-}" == "true" ]]; then
		printf 'services: CI=true: the tests cannot run without it.\n' >&2
	fi
	exit 1
}

apt_updated=false
# apt_install PACKAGE... installs Debian packages, running apt-get update first
# (once per run).
apt_install() {
	command -v apt-get >/dev/null || die "cannot install $*: no apt-get on this machine"
	if ! $apt_updated; then
		log "apt-get update"
		apt-get -o DPkg::Lock::Timeout=300 update -qq
		apt_updated=true
	fi
	log "apt-get install -y --no-install-recommends $*"
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"
}

# wait_for CHECK... polls the command CHECK until it succeeds or WAIT_SECONDS pass.
wait_for() { wait_up_to "$WAIT_SECONDS" "$@"; }

# wait_for_briefly CHECK... is wait_for with a three-second limit.
wait_for_briefly() { wait_up_to 3 "$@"; }

wait_up_to() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}

# elapsed prints the seconds since the script started.
elapsed() { awk -v a="$started_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# ---- MariaDB ----------------------------------------------------------------

mariadb_tcp() {
	mariadb --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u root --connect-timeout=2 "$@"
}

# mariadb_answers succeeds when a server speaks the protocol on the port, even if
# it refuses our login (mariadb-admin ping returns 0 then too).
mariadb_answers() {
	command -v mariadb-admin >/dev/null &&
		mariadb-admin --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u root \
			--connect-timeout=2 ping >/dev/null 2>&1
}

start_mariadb() {
	[[ -d /run/mysqld ]] || install -d -o mysql -g mysql -m 0755 /run/mysqld
	[[ -d /var/log/mysql ]] || install -d -o mysql -g adm -m 2750 /var/log/mysql
	if [[ ! -d /var/lib/mysql/mysql ]]; then
		log "initialising the MariaDB data directory (mariadb-install-db)"
		mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
	fi
	log "starting mariadbd"
	start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
		--user=mysql --port="$MYSQL_PORT"
}

# ensure_root_tcp_login lets root log in over TCP with an empty password. Debian
# gives root unix_socket authentication only, so this changes it when needed.
ensure_root_tcp_login() {
	mariadb_tcp -e 'SELECT 1' >/dev/null 2>&1 && return 0
	log "root cannot log in over TCP with an empty password; allowing it"
	mariadb -u root --protocol=SOCKET -e \
		"ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" ||
		die "could not change root's authentication (over the unix socket)"
	mariadb_tcp -e 'SELECT 1' >/dev/null 2>&1 && return 0
	# With skip-name-resolve, 127.0.0.1 is not 'localhost': give it its own root.
	mariadb -u root --protocol=SOCKET -e \
		"CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
		 GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION" ||
		die "could not create root@127.0.0.1"
	mariadb_tcp -e 'SELECT 1' >/dev/null || die "root still cannot log in to MariaDB over TCP"
}

ensure_mariadb() {
	if mariadb_answers; then
		log "MariaDB answers on $MYSQL_HOST:$MYSQL_PORT"
	else
		if [[ ! -x /usr/sbin/mariadbd ]]; then
			log "MariaDB is not installed"
			apt_install mariadb-server mariadb-client
		else
			log "MariaDB is installed but not answering on $MYSQL_HOST:$MYSQL_PORT"
		fi
		start_mariadb
		wait_for mariadb_answers ||
			die "MariaDB did not answer on $MYSQL_HOST:$MYSQL_PORT within ${WAIT_SECONDS}s (see /var/log/mysql/)"
		log "MariaDB started"
	fi
	ensure_root_tcp_login
	mariadb_tcp -e 'CREATE DATABASE IF NOT EXISTS test' || die "could not create database test"
}

# ---- Redis ------------------------------------------------------------------

redis_answers() {
	command -v redis-cli >/dev/null &&
		[[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

ensure_redis() {
	if redis_answers; then
		log "Redis answers on $REDIS_HOST:$REDIS_PORT"
		return 0
	fi
	if ! command -v redis-server >/dev/null; then
		log "Redis is not installed"
		apt_install redis-server
		# Debian's package may have started its own server.
		if wait_for_briefly redis_answers; then
			log "Redis answers on $REDIS_HOST:$REDIS_PORT"
			return 0
		fi
	else
		log "Redis is installed but not answering on $REDIS_HOST:$REDIS_PORT"
	fi
	mkdir -p /var/lib/redis /var/log/redis
	log "starting redis-server (no persistence)"
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
		--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
	wait_for redis_answers ||
		die "Redis did not answer on $REDIS_HOST:$REDIS_PORT within ${WAIT_SECONDS}s (see /var/log/redis/ci.log)"
	log "Redis started"
}

# ---- Chromium -----------------------------------------------------------------

ensure_chromium() {
	# fonts-nanum: Korean glyphs in the screenshots the browser tests keep.
	if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver && -d /usr/share/fonts/truetype/nanum ]]; then
		log "Chromium, ChromeDriver and the Nanum fonts are installed"
		return 0
	fi
	log "Chromium, ChromeDriver or the Nanum fonts are missing"
	apt_install chromium chromium-driver fonts-nanum
	[[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is still missing after installing it"
}

# ---- Node tools for the docs ----------------------------------------------------

ensure_docs_tools() {
	local lock=docs/package-lock.json stamp=docs/node_modules/.package-lock.json
	if [[ ! -f $lock ]]; then
		log "no $lock: no docs Node tools to install"
		return 0
	fi
	if [[ -f $stamp && ! $lock -nt $stamp ]]; then
		log "docs Node tools are installed (docs/node_modules)"
		return 0
	fi
	if ! command -v npm >/dev/null; then
		log "npm is not installed"
		apt_install nodejs npm
	fi
	log "npm ci --prefix docs"
	npm ci --prefix docs --no-audit --no-fund --loglevel=error || die "npm ci --prefix docs failed"
}

# ---- The independent GraphQL client (graphql-ws under Node) ---------------------

ensure_graphql_client() {
	local dir=testdata/graphql-client
	local lock=$dir/package-lock.json stamp=$dir/node_modules/.package-lock.json
	if [[ -f $stamp && ! $lock -nt $stamp ]] && command -v node >/dev/null; then
		log "the Node GraphQL client is installed ($dir/node_modules)"
		return 0
	fi
	if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
		log "Node or npm is not installed"
		apt_install nodejs npm
	fi
	log "npm ci --prefix $dir"
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error || die "npm ci --prefix $dir failed"
}

# ---- POS firmware toolchain and simulator (hardware/) ---------------------------
# The hardware tests build the Arduino firmware with gcc-avr and the Arduino core
# and run it in simavr through a small C harness (hardware/sim).

ensure_pos_simulator() {
	local pkgs=(gcc-avr avr-libc binutils-avr arduino-core-avr libsimavr2 libsimavr-dev libsimavrparts1)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		log "the POS firmware toolchain and simavr are installed"
		return 0
	fi
	log "the POS simulator needs: ${missing[*]}"
	apt_install "${missing[@]}"
	command -v avr-gcc >/dev/null || die "avr-gcc is still missing after installing gcc-avr"
}

ensure_mariadb
ensure_redis
ensure_chromium
ensure_docs_tools
ensure_graphql_client
ensure_pos_simulator
log "all ready in $(elapsed)s"
