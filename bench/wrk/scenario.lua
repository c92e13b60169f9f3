-- One benchmark scenario for wrk, configured after `--`:
--
--   wrk ... -s scenario.lua <url> -- <tokens file or -> <threads> \
--       <method> <path> <body or -> [<method> <path> <body or ->]...
--
-- The requests are sent in turn on each connection. `%TOKEN%` in a body
-- becomes the next unused line of the tokens file: wrk gives each thread its
-- own Lua state, so thread k of n takes lines k, k+n, k+2n, ... and no token
-- is ever sent twice. A thread that runs out sends `verify_exhausted`, which
-- fails, and the count is reported. `spent` is how many lines of the file
-- the run may have used (threads × the most any thread took), so the next
-- run can start after them. Headers come from wrk's -H options.
--
-- There is deliberately no response() callback: it would make wrk hand every
-- response to Lua, slowing the load generator that shares the CPUs. wrk
-- itself counts answers with a status of 400 or more; bench.sh checks that
-- no scenario can answer 3xx.
--
-- done() prints one line for scripts/bench.sh:
--   RESULT requests=… duration_us=… p50_us=… p99_us=… non2xx=… errors=… exhausted=… spent=…

local threads = {}
local started = 0

function setup(thread)
   thread:set("thread_index", started)
   started = started + 1
   table.insert(threads, thread)
end

function init(args)
   local tokens_file, thread_count = args[1], tonumber(args[2])
   plan = {}
   for i = 3, #args, 3 do
      local body = args[i + 2]
      if body == "-" then body = nil end
      local step = { method = args[i], path = args[i + 1], body = body }
      if body == nil or not body:find("%TOKEN%", 1, true) then
         -- Formatted once: most scenarios send the same bytes every time.
         step.fixed = wrk.format(step.method, step.path, nil, body)
      end
      table.insert(plan, step)
   end
   tokens = {}
   if tokens_file ~= "-" then
      local line_number = 0
      for line in io.lines(tokens_file) do
         if line_number % thread_count == thread_index then
            table.insert(tokens, line)
         end
         line_number = line_number + 1
      end
   end
   next_step, next_token, exhausted = 1, 1, 0
end

function request()
   local step = plan[next_step]
   next_step = next_step % #plan + 1
   if step.fixed then
      return step.fixed
   end
   local token = tokens[next_token]
   if token == nil then
      exhausted = exhausted + 1
      token = "verify_exhausted"
   else
      next_token = next_token + 1
   end
   local body = step.body:gsub("%%TOKEN%%", token)
   return wrk.format(step.method, step.path, nil, body)
end

function done(summary, latency, requests)
   local exhausted_total, most_taken = 0, 0
   for _, thread in ipairs(threads) do
      exhausted_total = exhausted_total + thread:get("exhausted")
      most_taken = math.max(most_taken, thread:get("next_token") - 1)
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d errors=%d exhausted=%d spent=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.status, e.connect + e.read + e.write + e.timeout, exhausted_total, #threads * most_taken))
end
