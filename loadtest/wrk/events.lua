-- wrk script: POST batches of events for Zipf-distributed users and items.
-- Environment: USERS (1000000), ITEMS (20000), BATCH (100), ZIPF (1.0), EVENT_IDS (1: each event carries a unique
-- eventId), TARGET (/v1/events; /v1/events:validate gives the HTTP-only ceiling), SEED (7).
-- Usage: wrk -t2 -c64 -d30s -s loadtest/wrk/events.lua http://127.0.0.1:5080

local users = tonumber(os.getenv("USERS") or "1000000")
local items = tonumber(os.getenv("ITEMS") or "20000")
local batch = tonumber(os.getenv("BATCH") or "100")
local exponent = tonumber(os.getenv("ZIPF") or "1.0")
local withIds = (os.getenv("EVENT_IDS") or "1") == "1"
local target = os.getenv("TARGET") or "/v1/events"
local seed = tonumber(os.getenv("SEED") or "7")

local threadCounter = 0
local threads = {}

-- Cumulative Zipf weights, sampled by binary search.
local function zipf(n)
  local cdf, total = {}, 0
  for rank = 1, n do
    total = total + 1 / rank ^ exponent
    cdf[rank] = total
  end
  return cdf, total
end

local function draw(cdf, total)
  local u, lo, hi = math.random() * total, 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo - 1
end

function setup(thread)
  thread:set("id", threadCounter)
  threadCounter = threadCounter + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed + id * 7919)
  userCdf, userTotal = zipf(users)
  itemCdf, itemTotal = zipf(items)
  sequence = 0
  accepted, duplicates = 0, 0
  wrk.method = "POST"
  wrk.path = target
  wrk.headers["Content-Type"] = "application/json"
  local key = os.getenv("API_KEY")
  if key and key ~= "" then
    wrk.headers["X-Api-Key"] = key
  end
end

function request()
  local parts = {}
  for i = 1, batch do
    sequence = sequence + 1
    local user = draw(userCdf, userTotal)
    local item = draw(itemCdf, itemTotal)
    if withIds then
      parts[i] = string.format('{"userId":"user-%d","itemId":"item-%d","type":"view","eventId":"w%d-%d"}', user, item, id, sequence)
    else
      parts[i] = string.format('{"userId":"user-%d","itemId":"item-%d","type":"view"}', user, item)
    end
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

function response(status, headers, body)
  if status ~= 202 and status ~= 200 then
    errors = (errors or 0) + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local ok = summary.requests - summary.errors.status
  io.write(string.format('{"target":"%s","batch":%d,"users":%d,"requests":%d,"non2xx":%d,"seconds":%.2f,"events_per_s":%.0f,"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    target, batch, users, summary.requests, summary.errors.status, seconds, ok * batch / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
