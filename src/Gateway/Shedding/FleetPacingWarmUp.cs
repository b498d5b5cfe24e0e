using Gateway.Redis;

namespace Gateway.Shedding;

/// <summary>Loads the shared pacing script on every (re)connection, so that a flush sends EVALSHA within its 5 ms.</summary>
internal sealed class FleetPacingWarmUp : IRedisWarmUp
{
    private static readonly string[] s_scripts = [FleetPacing.Script];

    public IReadOnlyList<string> Scripts => s_scripts;

    // Nothing to run ahead: a flush off the request path may be slow once.
    public Task WarmUpAsync(RedisConnection connection) => Task.CompletedTask;
}
