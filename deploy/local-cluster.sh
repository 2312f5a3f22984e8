#!/usr/bin/env bash
# A three-process RecoGrid cluster on loopback: two `all` nodes and one `scoring` node, every store on Azurite (Azure
# Storage emulator), membership in Redis (default) or in an Azure table on Azurite. Ctrl-C stops everything.
#
#   dotnet build src/RecoGrid.Cli -c Release && npm ci --prefix tests/tools     # once
#   deploy/local-cluster.sh [--membership redis|azure] [--work-dir DIR]
#
# Needs: the .NET SDK, Node.js with tests/tools installed, and redis-server for Redis membership.
set -euo pipefail
cd "$(dirname "$0")/.."

membership=redis
work=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --membership) membership="$2"; shift 2 ;;
    --work-dir) work="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$membership" == redis || "$membership" == azure ]] || { echo "--membership must be redis or azure" >&2; exit 2; }

dll=src/RecoGrid.Cli/bin/Release/net10.0/recogrid.dll
azurite=tests/tools/node_modules/azurite/dist/src/azurite.js
[[ -f "$dll" ]] || { echo "$dll is missing: run dotnet build src/RecoGrid.Cli -c Release" >&2; exit 2; }
[[ -f "$azurite" ]] || { echo "$azurite is missing: run npm ci --prefix tests/tools" >&2; exit 2; }
if [[ "$membership" == redis ]] && ! command -v redis-server >/dev/null; then
  echo "redis-server is missing: apt-get install redis-server (or use --membership azure)" >&2; exit 2
fi

work="${work:-$(mktemp -d -t recogrid-cluster-XXXXXX)}"
mkdir -p "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done; echo "port $1 never opened" >&2; return 1; }

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

blob=$(free_port); queue=$(free_port); table=$(free_port)
node "$azurite" --silent --skipApiVersionCheck --loose --location "$work/azurite" \
  --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" \
  >"$work/azurite.log" 2>&1 &
pids+=($!)
wait_port "$blob"; wait_port "$table"
key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
export RECOGRID__Storage__Provider=azure
export RECOGRID__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export RECOGRID__Cluster__Provider="$membership"
export RECOGRID__Orleans__ClusterId="local-$(date +%s)"
export RECOGRID__Orleans__AdvertisedAddress=127.0.0.1

if [[ "$membership" == redis ]]; then
  redis=$(free_port)
  redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  pids+=($!)
  wait_port "$redis"
  export RECOGRID__Cluster__ConnectionString="127.0.0.1:$redis"
fi

urls=()
for spec in node1:all node2:all node3:scoring; do
  name=${spec%%:*}; role=${spec##*:}
  http=$(free_port)
  RECOGRID__Orleans__SiloPort=$(free_port) RECOGRID__Orleans__GatewayPort=$(free_port) \
    dotnet "$dll" serve --role "$role" --urls "http://127.0.0.1:$http" --data-dir "$work/$name" >"$work/$name.log" 2>&1 &
  pids+=($!)
  urls+=("$name ($role): http://127.0.0.1:$http (pid $!)")
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
  curl -fs "http://127.0.0.1:$http/readyz" >/dev/null || { echo "$name did not become ready; see $work/$name.log" >&2; exit 1; }
done

echo "RecoGrid cluster ready ($membership membership, storage on Azurite at port $blob); logs and data in $work"
printf '  %s\n' "${urls[@]}"
echo "Ctrl-C stops it."
wait
