using Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.FunctionalTests.RateLimiting;

/// <summary>
/// Each algorithm admits exactly what its math says. Replenishment comes only from the limiter's TimeProvider timer
/// (FakeTimeProvider here); System.Threading.RateLimiting also requires a real period to have passed before a
/// refill, so each step sleeps one real period and then advances fake time by one.
/// </summary>
public sealed class LocalPartitionedRateLimiterTests
{
    private static readonly TimeSpan s_period = TimeSpan.FromMilliseconds(200);

    private readonly FakeTimeProvider _time = new();

    private static int Admit(LocalPartitionedRateLimiter limiter, string key, int attempts)
    {
        var admitted = 0;
        for (var i = 0; i < attempts; i++)
        {
            using var lease = limiter.AttemptAcquire(key);
            admitted += lease.IsAcquired ? 1 : 0;
        }

        return admitted;
    }

    private async Task NextPeriodAsync(TimeSpan period)
    {
        await Task.Delay(period + TimeSpan.FromMilliseconds(15));
        _time.Advance(period);
    }

    [Fact]
    public async Task TokenBucket_AdmitsTokenLimit_ThenRefillsOnlyOnTheTimer()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 5, TokensPerPeriod = 5, ReplenishmentPeriod = s_period }, _time);

        Assert.Equal(5, Admit(limiter, "a", 8));

        // Real time alone does not refill: the gateway's timer (fake time here) drives replenishment.
        await Task.Delay(s_period * 2);
        Assert.Equal(0, Admit(limiter, "a", 3));

        await NextPeriodAsync(s_period);
        Assert.Equal(5, Admit(limiter, "a", 8));
    }

    [Fact]
    public async Task TokenBucket_TokensPerPeriodBelowLimit_RefillsAtMostTheBucket()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 3, TokensPerPeriod = 1, ReplenishmentPeriod = s_period }, _time);

        Assert.Equal(3, Admit(limiter, "a", 5));
        await NextPeriodAsync(s_period * 5);

        Assert.Equal(3, Admit(limiter, "a", 5));
    }

    [Fact]
    public async Task FixedWindow_AdmitsPermitLimitPerWindow()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "FixedWindow", PermitLimit = 3, Window = s_period }, _time);

        Assert.Equal(3, Admit(limiter, "a", 10));
        await NextPeriodAsync(s_period);
        Assert.Equal(3, Admit(limiter, "a", 10));
        Assert.Equal(3, Admit(limiter, "b", 10));
    }

    [Fact]
    public async Task SlidingWindow_PermitsReturnWhenTheirSegmentLeavesTheWindow()
    {
        // Window 400 ms in 2 segments of 200 ms.
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "SlidingWindow", PermitLimit = 4, Window = s_period * 2, SegmentsPerWindow = 2 }, _time);

        Assert.Equal(3, Admit(limiter, "a", 3));        // segment 0: 3
        await NextPeriodAsync(s_period);
        Assert.Equal(1, Admit(limiter, "a", 5));        // segment 1: 1, window full (3 + 1)
        await NextPeriodAsync(s_period);
        Assert.Equal(3, Admit(limiter, "a", 5));        // segment 0's 3 left the window; segment 1's 1 still counts
        await NextPeriodAsync(s_period);
        Assert.Equal(1, Admit(limiter, "a", 5));        // segment 1's 1 left
    }

    [Fact]
    public async Task QueueLimit_WaitsForTheNextPermitInsteadOfRefusing()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "FixedWindow", PermitLimit = 1, Window = s_period, QueueLimit = 1 }, _time);

        using var first = await limiter.AcquireAsync("a");
        var queued = limiter.AcquireAsync("a");
        using var overflow = await limiter.AcquireAsync("a");
        Assert.True(first.IsAcquired);
        Assert.False(queued.IsCompleted);
        Assert.False(overflow.IsAcquired);

        await NextPeriodAsync(s_period);
        using var lease = await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(lease.IsAcquired);
    }
}
