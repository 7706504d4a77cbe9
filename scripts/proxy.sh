#!/bin/sh
# Serve several `attention-sensei ui` processes (on this machine or others) at one address, each browser
# kept on the process it first reached: a sticky session, as the app needs (a learner's conversation,
# model and figures live in the memory of one process). The proxy is Debian's haproxy: a cookie it sets on
# the first answer (SENSEI_BACKEND) names the process, new browsers go to the processes in turn, and the
# streamed answers (Gradio's server-sent events) pass through unbuffered. It runs in the foreground and
# logs one JSON line per request on stdout; Ctrl-C or SIGTERM stops it.
#
#   scripts/proxy.sh LISTEN BACKEND [BACKEND ...]
#   scripts/proxy.sh 0.0.0.0:8080 127.0.0.1:7861 127.0.0.1:7862
#
# PROXY_LOG_HEADER=X-Name adds that request header to each log line ("who"): the tests name their
# browsers with it to check that each one's requests all reached one process.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 LISTEN BACKEND [BACKEND ...]   e.g. $0 0.0.0.0:8080 127.0.0.1:7861 127.0.0.1:7862" >&2
    exit 2
fi
if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
    echo "error: haproxy is not installed: apt-get install haproxy (Debian, Ubuntu; make system does it as root)" >&2
    exit 2
fi
PATH="$PATH:/usr/sbin"
listen=$1
shift

servers=""
number=0
for backend in "$@"; do
    number=$((number + 1))
    # `check`: a process that stops answering gets no new browser, and its browsers move to another
    # (option redispatch), where they start a new conversation
    servers="$servers    server app$number $backend cookie app$number check inter 2s
"
done
header=${PROXY_LOG_HEADER:-X-Learner}

exec haproxy -db -f /dev/stdin <<CONFIG
global
    log stdout format raw local0 info

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    timeout http-request 30s

frontend learners
    bind $listen
    option forwardfor
    http-request capture req.hdr($header) len 64
    log-format '{"who":"%[capture.req.hdr(0)]","server":"%s","status":%ST,"method":"%HM","path":"%HPO"}'
    default_backend apps

backend apps
    balance roundrobin
    option redispatch
    cookie SENSEI_BACKEND insert indirect nocache httponly
$servers
CONFIG
