-- wrk script: batches of 1,000 declarations per request for random employees, today.
local token = os.getenv("TOKEN")
local lo, hi = tonumber(os.getenv("LO")), tonumber(os.getenv("HI"))
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local bodies = {}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
  for b = 1, 32 do
    local items = {}
    for i = 1, 1000 do
      local t = 360 + math.random(0, 12)
      items[i] = string.format('{"employee_id":%d,"temperature":%d.%d,"symptoms":[]}',
        math.random(lo, hi), math.floor(t / 10), t % 10)
    end
    bodies[b] = '{"items":[' .. table.concat(items, ",") .. ']}'
  end
end

local n = 0
function request()
  n = n + 1
  return wrk.format("POST", "/api/v1/declarations", headers, bodies[(n % 32) + 1])
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.2f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
