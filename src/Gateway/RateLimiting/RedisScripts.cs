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
    /// per period; sliding window: segments), wanted tokens (the lease size).
    /// Returns { granted, remaining, microseconds until the next token when none is left, microseconds the lease
    /// may be spent for (windows: to the end of the current window or segment; token bucket: 0, the caller's own
    /// lifetime applies) }.
    /// </summary>
    public const string Lease = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local alg = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local period = tonumber(ARGV[3])
        local per = tonumber(ARGV[4])
        local want = tonumber(ARGV[5])
        local key = KEYS[1]
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
          local granted = math.max(0, math.min(want, math.floor(tokens)))
          tokens = tokens - granted
          redis.call('HSET', key, 't', string.format('%.6f', tokens), 'ts', string.format('%d', now))
          redis.call('PEXPIRE', key, math.ceil((limit - tokens) / rate / 1000) + 1000)
          local wait = 0
          if tokens < 1 then
            wait = math.ceil((1 - tokens) / rate)
          end
          return { granted, math.floor(tokens), wait, 0 }
        elseif alg == 2 then
          local idx = math.floor(now / period)
          local s = redis.call('HMGET', key, 'w', 'c')
          local c = 0
          if tonumber(s[1]) == idx then
            c = tonumber(s[2])
          end
          local granted = math.max(0, math.min(want, limit - c))
          c = c + granted
          redis.call('HSET', key, 'w', string.format('%d', idx), 'c', c)
          redis.call('PEXPIRE', key, math.ceil(period / 1000) + 1000)
          local left = (idx + 1) * period - now
          local wait = 0
          if c >= limit then
            wait = left
          end
          return { granted, limit - c, wait, left }
        else
          local seg = period / per
          local cur = math.floor(now / seg)
          local all = redis.call('HGETALL', key)
          local used = 0
          local oldest = nil
          for i = 1, #all, 2 do
            local f = tonumber(all[i])
            local n = tonumber(all[i + 1])
            if f <= cur - per then
              redis.call('HDEL', key, all[i])
            else
              used = used + n
              if n > 0 and (oldest == nil or f < oldest) then
                oldest = f
              end
            end
          end
          local granted = math.max(0, math.min(want, limit - used))
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
          return { granted, limit - used - granted, wait, left }
        end
        """;
}
