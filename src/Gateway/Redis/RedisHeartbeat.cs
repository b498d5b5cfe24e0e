namespace Gateway.Redis;

/// <summary>The heartbeat's Lua script, run every second by each instance, timed by Redis's own clock.</summary>
internal static class RedisHeartbeat
{
    /// <summary>
    /// KEYS[1] the instances set. ARGV: this instance's id, liveness in milliseconds. Records this instance as
    /// alive (scored by Redis time), forgets instances silent for longer than the liveness, returns how many live.
    /// </summary>
    public const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local live = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - live))
        redis.call('PEXPIRE', KEYS[1], live * 2)
        return redis.call('ZCARD', KEYS[1])
        """;
}
