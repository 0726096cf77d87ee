#!/usr/bin/env bash
# versitygw.sh: a real S3 server (versitygw, posix backend) on a loopback
# port, for running the storage conformance suite against something that is
# not the embedded server.
#
#   eval "$(.ci/versitygw.sh start)"   # install if need be, start, create the bucket, print the env
#   go test -race ./s3store/...        # TestConformanceS3 now runs
#   .ci/versitygw.sh stop
#
# Subcommands: install | start | stop | env | status.
#
# Settings (environment), with their defaults:
#   VERSITYGW_VERSION  v1.8.0
#   VERSITYGW_BIN      $HOME/.cache/dossier/bin   where the binary is cached (go install, ~2-4 min the first time)
#   VERSITYGW_HOME     ${TMPDIR:-/tmp}/dossier-versitygw-$UID   data/, versitygw.pid, versitygw.log
#   VERSITYGW_PORT     17070 (listens on 127.0.0.1 only)
#   S3_BUCKET          dossier-ci
#   S3_ACCESS_KEY      dossier-ci
#   S3_SECRET_KEY      dossier-ci-secret
#   S3_REGION          us-east-1
#
# start prints only `export NAME=value` lines on stdout; everything else
# goes to stderr.
set -euo pipefail

VERSION=${VERSITYGW_VERSION:-v1.8.0}
BIN_DIR=${VERSITYGW_BIN:-$HOME/.cache/dossier/bin}
STATE=${VERSITYGW_HOME:-${TMPDIR:-/tmp}/dossier-versitygw-$(id -u)}
PORT=${VERSITYGW_PORT:-17070}
BUCKET=${S3_BUCKET:-dossier-ci}
ACCESS=${S3_ACCESS_KEY:-dossier-ci}
SECRET=${S3_SECRET_KEY:-dossier-ci-secret}
REGION=${S3_REGION:-us-east-1}

BIN=$BIN_DIR/versitygw
PIDFILE=$STATE/versitygw.pid
LOG=$STATE/versitygw.log
ENDPOINT=http://127.0.0.1:$PORT

say() { echo "versitygw.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# installed_version prints the module version the cached binary was built
# from, or nothing.
installed_version() {
	[ -x "$BIN" ] || return 0
	go version -m "$BIN" 2>/dev/null | awk '$1 == "mod" { print $3 }'
}

install() {
	if [ "$(installed_version)" = "$VERSION" ]; then
		return 0
	fi
	command -v go >/dev/null || die "go is needed to build versitygw"
	mkdir -p "$BIN_DIR"
	say "building versitygw $VERSION into $BIN_DIR (a few minutes, once)"
	local start=$SECONDS
	GOBIN=$BIN_DIR go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
	say "built in $((SECONDS - start)) s"
	[ "$(installed_version)" = "$VERSION" ] || die "built $BIN but it is not $VERSION"
}

running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

print_env() {
	cat <<EOF
export S3_ENDPOINT=$ENDPOINT
export S3_BUCKET=$BUCKET
export S3_ACCESS_KEY=$ACCESS
export S3_SECRET_KEY=$SECRET
export S3_REGION=$REGION
EOF
}

# http_code prints the status of a signed request to the server, or 000.
http_code() {
	curl -sS -o /dev/null -w '%{http_code}' --max-time 5 \
		--aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS:$SECRET" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$@" 2>/dev/null || true
}

start() {
	install
	mkdir -p "$STATE/data"
	if running; then
		say "already running (pid $(cat "$PIDFILE")) on $ENDPOINT"
	else
		say "starting on $ENDPOINT, data in $STATE/data, log in $LOG"
		# setsid: the server outlives this script and the shell that ran it.
		setsid "$BIN" --port "127.0.0.1:$PORT" --access "$ACCESS" --secret "$SECRET" --region "$REGION" \
			posix "$STATE/data" >"$LOG" 2>&1 </dev/null &
		echo $! >"$PIDFILE"
		local i
		for i in $(seq 1 100); do
			if ! running; then
				cat "$LOG" >&2
				die "versitygw exited at start"
			fi
			# Any HTTP answer means it is listening.
			if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$ENDPOINT/" 2>/dev/null || true)" != 000 ]; then
				break
			fi
			sleep 0.1
		done
	fi
	local code
	code=$(http_code -X PUT "$ENDPOINT/$BUCKET")
	case $code in
	200 | 409) ;; # created, or already ours
	*) die "create bucket $BUCKET: HTTP $code (see $LOG)" ;;
	esac
	code=$(http_code -I "$ENDPOINT/$BUCKET")
	[ "$code" = 200 ] || die "bucket $BUCKET: HTTP $code (see $LOG)"
	print_env
}

stop() {
	if running; then
		local pid
		pid=$(cat "$PIDFILE")
		kill "$pid"
		local i
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid"
		fi
		say "stopped (pid $pid)"
	else
		say "not running"
	fi
	rm -f "$PIDFILE"
}

case ${1:-} in
install) install ;;
start) start ;;
stop) stop ;;
env) print_env ;;
status)
	if running; then say "running (pid $(cat "$PIDFILE")) on $ENDPOINT"; else
		say "not running"
		exit 1
	fi
	;;
*)
	echo "usage: $0 install|start|stop|env|status" >&2
	exit 2
	;;
esac
