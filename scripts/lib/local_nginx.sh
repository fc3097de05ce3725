# shellcheck shell=bash
# A throwaway nginx on 127.0.0.1 for scripts/quickstart.sh and bench/run.sh.
# Source this file, then:
#
#   local_nginx_start DIR [tls] [SERVER_EXTRA] [HTTP_EXTRA]
#       Writes DIR/nginx.conf (daemon off, one process, every path inside DIR,
#       a free 127.0.0.1 port), serves DIR/www, logs to DIR/access.log with
#       "$connection $connection_requests $status $body_bytes_sent "$request"
#       $server_port", and waits (at most 5 s) until the port accepts. "tls"
#       serves HTTPS with HTTP/2 and a self-signed certificate DIR/cert.pem for
#       127.0.0.1. SERVER_EXTRA goes inside the server block, HTTP_EXTRA after
#       it in the http block (say, a second server); "@PORT2@" in HTTP_EXTRA
#       becomes a second free port. Sets NGINX_PID, NGINX_PORT, NGINX_URL (no
#       trailing slash) and, with @PORT2@, NGINX_PORT2.
#   local_nginx_stop
#       Stops that nginx by its pid: SIGTERM, at most 5 s, then SIGKILL.
#   local_nginx_connections_since OFFSET
#       Distinct TCP connections ($connection) logged after byte OFFSET of
#       the access log; get the offset with local_nginx_log_size.

NGINX_PID=""
NGINX_PORT=""
NGINX_URL=""
NGINX_DIR=""
NGINX_PORT2=""

local_nginx_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

local_nginx_port_accepts() {
  # bash's /dev/tcp: a connect() to 127.0.0.1 only.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

local_nginx_write_conf() {  # DIR PORT TLS SERVER_EXTRA [HTTP_EXTRA]
  local dir=$1 port=$2 tls=$3 extra=$4 http_extra=${5:-} listen="listen 127.0.0.1:$2;" ssl=""
  if [[ $tls == tls ]]; then
    listen="listen 127.0.0.1:$port ssl http2;"
    ssl="ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;"
  fi
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  log_format haul '\$connection \$connection_requests \$status \$body_bytes_sent "\$request" \$server_port';
  access_log $dir/access.log haul;
  client_body_temp_path $dir/tmp/client_body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    $listen
    $ssl
    server_name localhost;
    root $dir/www;
    location / { }
    $extra
  }
  $http_extra
}
CONF
}

local_nginx_start() {
  local dir=$1 tls=${2:-plain} extra=${3:-} http_extra=${4:-} nginx=/usr/sbin/nginx attempt i
  [[ -x $nginx ]] || nginx=$(command -v nginx) || { echo "nginx not found (run scripts/setup.sh)" >&2; return 1; }
  mkdir -p "$dir/www" "$dir/tmp"
  chmod 755 "$dir"
  if [[ $tls == tls && ! -f $dir/cert.pem ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
      -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  fi
  for attempt in 1 2 3; do  # a new port each time, in case one was taken
    NGINX_PORT=$(local_nginx_free_port)
    NGINX_PORT2=""
    if [[ $http_extra == *@PORT2@* ]]; then NGINX_PORT2=$(local_nginx_free_port); fi
    local_nginx_write_conf "$dir" "$NGINX_PORT" "$tls" "$extra" "${http_extra//@PORT2@/$NGINX_PORT2}"
    "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >>"$dir/nginx.out" 2>&1 &
    NGINX_PID=$!
    NGINX_DIR=$dir
    for i in $(seq 1 250); do  # at most 5 s
      kill -0 "$NGINX_PID" 2>/dev/null || break
      if local_nginx_port_accepts "$NGINX_PORT"; then
        NGINX_URL="$([[ $tls == tls ]] && echo https || echo http)://127.0.0.1:$NGINX_PORT"
        return 0
      fi
      sleep 0.02
    done
    local_nginx_stop
    echo "nginx start attempt $attempt failed" >&2
  done
  cat "$dir/error.log" "$dir/nginx.out" >&2 2>/dev/null || true
  return 1
}

local_nginx_stop() {
  local pid=$NGINX_PID i
  [[ -n $pid ]] || return 0
  NGINX_PID=""
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do  # at most 5 s
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

local_nginx_log_size() {
  stat -c %s "$NGINX_DIR/access.log" 2>/dev/null || echo 0
}

local_nginx_connections_since() {
  tail -c +"$(($1 + 1))" "$NGINX_DIR/access.log" | awk '{print $1}' | sort -u | wc -l
}
