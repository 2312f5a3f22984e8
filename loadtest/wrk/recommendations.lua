-- wrk script: GET /v1/users/{id}/recommendations for user ids drawn uniformly from a file (one id a line, e.g. a
-- trained model's user_ids.txt), so every request takes the model path with a trained vector.
-- Environment: USER_IDS (file, required), COUNT (10), EXCLUDE_SEEN (1), API_KEY (optional), SEED (7), ORDER (random, or
-- sequential: each thread walks the ids in file order from its own offset, so a warm-up touches every user once).
-- Usage: USER_IDS=artifact/user_ids.txt wrk -t1 -c64 -d30s -s loadtest/wrk/recommendations.lua http://127.0.0.1:5080

local file = os.getenv("USER_IDS") or error("USER_IDS must name a file of user ids, one a line")
local count = tonumber(os.getenv("COUNT") or "10")
local excludeSeen = (os.getenv("EXCLUDE_SEEN") or "1") == "1"
local seed = tonumber(os.getenv("SEED") or "7")
local sequential = (os.getenv("ORDER") or "random") == "sequential"

local threadCounter = 0

-- Ids as URL path segments: unreserved characters stay, everything else is percent-encoded.
local function escape(id)
  return (id:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  thread:set("id", threadCounter)
  threadCounter = threadCounter + 1
end

function init(args)
  math.randomseed(seed + id * 7919)
  local query = string.format("?count=%d%s", count, excludeSeen and "" or "&excludeSeen=false")
  paths = {}
  for line in io.lines(file) do
    if line ~= "" then
      paths[#paths + 1] = "/v1/users/" .. escape(line) .. "/recommendations" .. query
    end
  end
  if #paths == 0 then
    error(file .. " lists no user ids")
  end
  cursor = (id * 7919) % #paths
  local key = os.getenv("API_KEY")
  if key and key ~= "" then
    wrk.headers["X-Api-Key"] = key
  end
end

function request()
  if sequential then
    cursor = cursor % #paths + 1
    return wrk.format("GET", paths[cursor])
  end
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format('{"requests":%d,"non2xx":%d,"seconds":%.2f,"requests_per_s":%.0f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.errors.status, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
