namespace Gateway.RateLimiting;

/// <summary>
/// The rate limits' Lua script run on Redis (the heartbeat's is <see cref="Redis.RedisHeartbeat"/>). Each decision
/// is one atomic script on one key, timed by Redis's own clock (<c>TIME</c>) so instance clocks do not matter, and
/// every key expires by itself once it is whole again.
/// </summary>
internal static class RedisScripts
{
    public const int TokenBucket = 1;
    public const int FixedWindow = 2;
    public const int SlidingWindow = 3;

    /// <summary>
    /// KEYS[1] the partition's key. ARGV: algorithm (1 token bucket, 2 fixed window, 3 sliding window), limit,
    /// period in microseconds (token bucket: replenishment period; windows: the window), per (token bucket: tokens
    /// per period; sliding window: segments), the most tokens wanted (the lease size), live instances (default 1),
    /// tokens already spent to record (admitted while Redis was slow; default 0), and tokens given back with the
    /// window or segment index they were granted in (default none).
    /// The grant is adaptive: at most the remaining budget divided by (2 x live instances), at least 1, so leases are
    /// large while the budget is far from spent and one token near its end, and the instances together never hold
    /// more than about half of what is left.
    /// Returns { granted, remaining, microseconds until the next token when none is left, microseconds the lease
    /// may be spent for (windows: to the end of the current window or segment; token bucket: 0, the caller's own
    /// lifetime applies), the window or segment index the grant belongs to }.
    /// </summary>
    public const string Lease = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local alg = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local period = tonumber(ARGV[3])
        local per = tonumber(ARGV[4])
        local want = tonumber(ARGV[5])
        local n = math.max(1, tonumber(ARGV[6]) or 1)
        local spent = tonumber(ARGV[7]) or 0
        local back = tonumber(ARGV[8]) or 0
        local backIdx = tonumber(ARGV[9])
        local key = KEYS[1]
        local function grant(avail)
          if avail <= 0 or want <= 0 then
            return 0
          end
          return math.min(want, avail, math.max(1, math.floor(avail / (2 * n))))
        end
        if alg == 1 then
          local rate = per / period
          local s = redis.call('HMGET', key, 't', 'ts')
          local tokens = tonumber(s[1])
          local ts = tonumber(s[2])
          if tokens == nil or ts == nil then
            tokens = limit
            ts = now
          end
          if now > ts then
            tokens = math.min(limit, tokens + (now - ts) * rate)
          end
          tokens = math.min(limit, math.max(-limit, tokens - spent + back))
          local granted = grant(math.floor(tokens))
          tokens = tokens - granted
          redis.call('HSET', key, 't', string.format('%.6f', tokens), 'ts', string.format('%d', now))
          redis.call('PEXPIRE', key, math.ceil((limit - tokens) / rate / 1000) + 1000)
          local wait = 0
          if tokens < 1 then
            wait = math.ceil((1 - tokens) / rate)
          end
          return { granted, math.max(0, math.floor(tokens)), wait, 0, 0 }
        elseif alg == 2 then
          local idx = math.floor(now / period)
          local s = redis.call('HMGET', key, 'w', 'c')
          local c = 0
          if tonumber(s[1]) == idx then
            c = tonumber(s[2])
          end
          c = c + spent
          if back > 0 and backIdx == idx then
            c = math.max(0, c - back)
          end
          local granted = grant(limit - c)
          c = c + granted
          redis.call('HSET', key, 'w', string.format('%d', idx), 'c', c)
          redis.call('PEXPIRE', key, math.ceil(period / 1000) + 1000)
          local left = (idx + 1) * period - now
          local wait = 0
          if c >= limit then
            wait = left
          end
          return { granted, math.max(0, limit - c), wait, left, idx }
        else
          local seg = period / per
          local cur = math.floor(now / seg)
          if spent > 0 then
            redis.call('HINCRBY', key, string.format('%d', cur), spent)
          end
          if back > 0 and backIdx ~= nil and backIdx > cur - per then
            local f = string.format('%d', backIdx)
            local had = tonumber(redis.call('HGET', key, f)) or 0
            redis.call('HSET', key, f, math.max(0, had - back))
          end
          local all = redis.call('HGETALL', key)
          local used = 0
          local oldest = nil
          for i = 1, #all, 2 do
            local f = tonumber(all[i])
            local c = tonumber(all[i + 1])
            if f <= cur - per then
              redis.call('HDEL', key, all[i])
            else
              used = used + c
              if c > 0 and (oldest == nil or f < oldest) then
                oldest = f
              end
            end
          end
          local granted = grant(limit - used)
          if granted > 0 then
            redis.call('HINCRBY', key, string.format('%d', cur), granted)
            if oldest == nil then
              oldest = cur
            end
          end
          redis.call('PEXPIRE', key, math.ceil(period / 1000) + 1000)
          local left = math.ceil((cur + 1) * seg - now)
          local wait = 0
          if used + granted >= limit and oldest ~= nil then
            wait = math.ceil((oldest + per) * seg - now)
          end
          return { granted, math.max(0, limit - used - granted), wait, left, cur }
        end
        """;
}
