-- wrk script: every request comes from a new client address, as the TLS
-- proxy reports it in X-Forwarded-For (the bench settings trust one proxy,
-- like production). Per-address rate limits then count in Redis as under
-- real traffic from many verifiers, instead of answering 429 after 60.
-- Each wrk thread takes its own 10.<thread>.x.y range (65,536 addresses).

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local n = 0

function request()
  n = n + 1
  local hi = math.floor(n / 256) % 256
  local lo = n % 256
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", thread_id, hi, lo)
  return wrk.format()
end
