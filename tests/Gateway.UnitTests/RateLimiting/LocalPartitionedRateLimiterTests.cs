using System.Threading.RateLimiting;
using Gateway.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.RateLimiting;

/// <summary>
/// What each algorithm admits without a refill, on fake time. A refill also needs a real period to have passed, so
/// the tests that wait for one are in FunctionalTests.
/// </summary>
public sealed class LocalPartitionedRateLimiterTests
{
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

    [Fact]
    public void Concurrency_AdmitsPermitLimitInFlight_AndMoreAsTheyEnd()
    {
        using var limiter = new LocalPartitionedRateLimiter(new RateLimitPolicyOptions { Algorithm = "Concurrency", PermitLimit = 2 }, _time);

        var first = limiter.AttemptAcquire("a");
        using var second = limiter.AttemptAcquire("a");
        using var third = limiter.AttemptAcquire("a");
        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);

        first.Dispose();
        using var fourth = limiter.AttemptAcquire("a");
        Assert.True(fourth.IsAcquired);
    }

    [Fact]
    public void Partitions_AreIndependent()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 2, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromHours(1) }, _time);

        Assert.Equal(2, Admit(limiter, "a", 5));
        Assert.Equal(2, Admit(limiter, "b", 5));
        Assert.Equal(2, limiter.PartitionCount);
    }

    [Fact]
    public void RejectedLease_CarriesRetryAfter()
    {
        using var limiter = new LocalPartitionedRateLimiter(
            new RateLimitPolicyOptions { Algorithm = "TokenBucket", TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromSeconds(10) }, _time);

        using var ok = limiter.AttemptAcquire("a");
        using var refused = limiter.AttemptAcquire("a");

        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }
}
