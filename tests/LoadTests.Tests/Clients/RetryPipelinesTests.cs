using LoadTests.Clients;
using LoadTests.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace LoadTests.Tests.Clients;

public sealed class RetryPipelinesTests
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(10);
    private static readonly AttemptOutcome s_unavailable = new(503, "overloaded", null, null);
    private static readonly AttemptOutcome s_ok = new(200, null, null, null);

    [Fact]
    public async Task None_Failure_IsFinal()
    {
        var attempts = await RunAsync(ClientRetryPolicy.None, RetrySettings.Default, _ => s_unavailable);

        Assert.Single(attempts);
    }

    [Fact]
    public async Task Immediate_AlwaysFailing_RetriesAtOnceUpToMaxRetries()
    {
        var attempts = await RunAsync(ClientRetryPolicy.Immediate, RetrySettings.Default with { MaxRetries = 4 }, _ => AttemptOutcome.Failed("connection-refused"));

        Assert.Equal(5, attempts.Count);
        Assert.All(attempts, at => Assert.Equal(attempts[0], at));
    }

    [Fact]
    public async Task Immediate_NotRetryableStatus_IsNotRetried()
    {
        var attempts = await RunAsync(ClientRetryPolicy.Immediate, RetrySettings.Default, _ => new AttemptOutcome(404, null, null, null));

        Assert.Single(attempts);
    }

    [Fact]
    public async Task Fixed_AlwaysFailing_WaitsTheBaseDelayEveryTime_IgnoringRetryAfter()
    {
        var settings = RetrySettings.Default with { MaxRetries = 4, BaseDelay = TimeSpan.FromMilliseconds(50) };

        var attempts = await RunAsync(ClientRetryPolicy.Fixed, settings, _ => s_unavailable with { RetryAfter = TimeSpan.FromSeconds(3) });

        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal(5, attempts.Count);
        Assert.All(gaps, g => Assert.InRange(g, settings.BaseDelay, settings.BaseDelay + s_step));
    }

    [Fact]
    public async Task ExponentialJitter_AlwaysFailing_WaitsJitteredAndCapped()
    {
        var settings = new RetrySettings(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

        var attempts = await RunAsync(ClientRetryPolicy.ExponentialJitter, settings, _ => s_unavailable);

        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal(7, attempts.Count);
        Assert.All(gaps, g => Assert.InRange(g, TimeSpan.Zero, settings.MaxDelay + s_step));
        Assert.True(gaps.Sum(g => g.TotalSeconds) > settings.BaseDelay.TotalSeconds * 6, string.Join(", ", gaps));
        Assert.True(gaps.Distinct().Count() > 1, "jitter spreads the waits: " + string.Join(", ", gaps));
    }

    [Fact]
    public async Task HonourRetryAfter_ServerSaysThreeSeconds_WaitsThreeSeconds()
    {
        var attempts = await RunAsync(
            ClientRetryPolicy.HonourRetryAfter,
            RetrySettings.Default,
            n => n == 0 ? s_unavailable with { RetryAfter = TimeSpan.FromSeconds(3) } : s_ok);

        Assert.Equal(2, attempts.Count);
        Assert.InRange(attempts[1] - attempts[0], TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3) + s_step);
    }

    [Fact]
    public async Task HonourRetryAfter_LongerThanMaxDelay_WaitsMaxDelay()
    {
        var settings = RetrySettings.Default with { MaxDelay = TimeSpan.FromSeconds(2) };

        var attempts = await RunAsync(
            ClientRetryPolicy.HonourRetryAfter, settings, n => n == 0 ? s_unavailable with { RetryAfter = TimeSpan.FromMinutes(1) } : s_ok);

        Assert.InRange(attempts[1] - attempts[0], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + s_step);
    }

    [Fact]
    public async Task HonourRetryAfter_NoHeader_BacksOffExponentially()
    {
        var attempts = await RunAsync(
            ClientRetryPolicy.HonourRetryAfter, RetrySettings.Default, n => n < 2 ? s_unavailable : s_ok);

        Assert.Equal(3, attempts.Count);
        Assert.True(attempts[1] > attempts[0], "waited before retrying");
    }

    [Theory]
    [InlineData("none", 0)]
    [InlineData("immediate", 1)]
    [InlineData("exponential-jitter", 2)]
    [InlineData("Honour-Retry-After", 3)]
    [InlineData("fixed", 4)]
    public void Parse_Names_RoundTrip(string name, int policy)
    {
        Assert.Equal((ClientRetryPolicy)policy, ClientRetryPolicyNames.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), ((ClientRetryPolicy)policy).Name());
    }

    /// <returns>The fake time of each attempt.</returns>
    private static async Task<List<DateTimeOffset>> RunAsync(ClientRetryPolicy policy, RetrySettings settings, Func<int, AttemptOutcome> answer)
    {
        var time = new FakeTimeProvider();
        var attempts = new List<DateTimeOffset>();
        var pipeline = RetryPipelines.Create(policy, settings, time);

        var run = pipeline.ExecuteAsync(_ =>
        {
            lock (attempts)
            {
                attempts.Add(time.GetUtcNow());
                return ValueTask.FromResult(answer(attempts.Count - 1));
            }
        }).AsTask();
        await FakeTime.RunAsync(time, run, s_step, TimeSpan.FromMinutes(5));

        lock (attempts)
        {
            return [.. attempts];
        }
    }
}
