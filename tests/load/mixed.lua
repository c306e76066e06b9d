-- A customer's mix for wrk: category pages (any page), product pages,
-- search, and cart updates through the JSON API, as one logged-in customer.
-- Arguments (after --): the sf_session cookie, the CSRF token, the number
-- of products added by `--grow`, the number of categories, the id of the
-- first product added.
local cookie, token, products, categories, first
local words = {"pain", "baguette", "levain", "sourdough", "comte", "miel", "bio", "croissant", "pomme", "n%C2%B012"}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cookie = "sf_session=" .. args[1]
  token = args[2]
  products = tonumber(args[3])
  categories = tonumber(args[4])
  first = tonumber(args[5])
  failures = 0
  statuses = {}
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end

function request()
  local pick = math.random(100)
  local headers = { ["Cookie"] = cookie }
  if pick <= 40 then
    local category = math.random(categories)
    return wrk.format("GET", "/categories/" .. category .. "?page=" .. math.random(20), headers)
  elseif pick <= 70 then
    return wrk.format("GET", "/products/" .. (first + math.random(products) - 1), headers)
  elseif pick <= 90 then
    return wrk.format("GET", "/search?q=" .. words[math.random(#words)], headers)
  else
    headers["Content-Type"] = "application/json"
    headers["X-CSRF-Token"] = token
    local body = '{"quantity": "' .. math.random(1, 5) .. '"}'
    return wrk.format("PUT", "/api/v1/cart/lines/" .. math.random(1, 5), headers, body)
  end
end

function response(status, headers, body)
  -- Pages answer 200; a redirect (303 to the login) or anything else is a
  -- failure. Unknown product ids answer 404 by design: not picked here.
  if status ~= 200 then
    failures = failures + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    local seen = thread:get("statuses")
    for status, n in pairs(seen) do
      io.write(string.format("status %d: %d\n", status, n))
    end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d duration_s=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f failed_answers=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, errors))
end
