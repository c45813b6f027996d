-- SPDX-License-Identifier: ISC
-- trkwrk.lua - wrk(1) script for the tracker benchmarks
-- (tests/bench/tracker-udp.sh): BEP 3 HTTP announces as trkload sends
-- them, over wrk's persistent connections.
--
--	wrk -t1 -c64 -d10s -s trkwrk.lua http://HOST:PORT -- POOLFILE
--
-- POOLFILE is "trkload -p POOL -l" (the info-hashes a tracker like
-- opentracker whitelists, hex, one a line).  Each announce takes a
-- random hash of the pool and a random port, and a peer id of its own
-- (thread number and a counter): every announce is a new peer, as with
-- trkload.  Every reply is read: one that is not a 200 or that carries a
-- "failure reason" counts as an error, not an answer.  done() prints
-- one line like trkload's:
--
--	sent N answered N errors N lost N seconds S rate R closed N
--
-- where lost counts wrk's connect and write errors and timeouts, rate is
-- answered per second, and closed the connections the tracker closed
-- (wrk's read errors: a tracker that closes after each reply, as
-- opentracker does, has one per announce and wrk connects again).

local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

local pool = {}
local n = 0
local fmt = string.format

local function escape(hex)
	return (hex:gsub("..", function(b) return "%" .. b:upper() end))
end

function init(args)
	local f = assert(io.open(args[1], "r"))
	for line in f:lines() do
		if #line == 40 then
			pool[#pool + 1] = escape(line)
		end
	end
	f:close()
	assert(#pool > 0, "no info-hashes in " .. args[1])
	math.randomseed(os.time() + 7919 * tid)
	answered, failed = 0, 0
end

function request()
	n = n + 1
	return fmt("GET /announce?info_hash=%s&peer_id=-WK0001-%02x%010x" ..
	    "&port=%d&uploaded=0&downloaded=0&left=1000&compact=1" ..
	    "&event=started&numwant=50 HTTP/1.1\r\nHost: %s\r\n\r\n",
	    pool[math.random(#pool)], tid, n, math.random(1024, 61023),
	    wrk.host)
end

function response(status, headers, body)
	if status ~= 200 or body:find("failure reason", 1, true) then
		failed = failed + 1
	else
		answered = answered + 1
	end
end

function done(summary, latency, requests)
	local ok, bad, e = 0, 0, summary.errors
	for _, t in ipairs(threads) do
		ok = ok + t:get("answered")
		bad = bad + t:get("failed")
	end
	local secs = summary.duration / 1e6
	io.write(fmt("sent %d answered %d errors %d lost %d seconds %.3f " ..
	    "rate %.0f closed %d\n", ok + bad, ok, bad,
	    e.connect + e.write + e.timeout, secs, ok / secs, e.read))
end
