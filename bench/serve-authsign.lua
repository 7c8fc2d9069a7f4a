-- wrk script for POST /api/v1/cfssl/authsign (signet issue 7; bench/compare-serve.sh and
-- bench/soak-serve.sh). Every request is a different precomputed authsign body (a distinct P-256
-- CSR, bench/serve-requests.py), so neither server can answer from a cache.
--
--   wrk -t2 -c16 -d10s -s bench/serve-authsign.lua https://127.0.0.1:PORT -- BODIES.lua [DELAY_MS]
--
-- BODIES.lua defines `bodies`; each wrk thread rotates through all of them from its own offset.
-- DELAY_MS (optional, fractional): mean pause per connection between a response and the next
-- request, for the soak's paced load (wrk has no rate option; wrk2 is not in Debian).
-- `done` prints one JSON line: requests/s, non-2xx count, socket errors, p50/p99 latency (ms).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  if args[1] == nil then
    error("serve-authsign.lua: pass the bodies file after --: wrk ... -- BODIES.lua [DELAY_MS]")
  end
  dofile(args[1])
  if type(bodies) ~= "table" or #bodies < 1000 then
    error("serve-authsign.lua: " .. args[1] .. " must define at least 1000 bodies (issue 7)")
  end
  -- Threads start 997 bodies apart (a prime), so two threads do not send the same CSR together.
  index = ((id - 1) * 997) % #bodies + 1
  non2xx = 0
  first_bad = ""
  local mean = tonumber(args[2] or "")
  if mean ~= nil and mean > 0 then
    -- wrk's delay() is whole milliseconds: draw floor or ceil so the mean is the fractional value.
    local low = math.floor(mean)
    local frac = mean - low
    math.randomseed(id * 7919)
    delay = function()
      if math.random() < frac then return low + 1 end
      return low
    end
  end
end

function request()
  local b = bodies[index]
  index = index % #bodies + 1
  return wrk.format("POST", "/api/v1/cfssl/authsign", {["Content-Type"] = "application/json"}, b)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

local function json_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if sample == "" then sample = t:get("first_bad") end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"requests_per_s":%.1f,"non2xx":%d,"first_non2xx":%s,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, seconds, summary.requests / seconds, bad, json_string(sample),
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
