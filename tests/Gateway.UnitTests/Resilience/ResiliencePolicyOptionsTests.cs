using Gateway.Configuration.Validators;
using Gateway.Configuration;
using Gateway.Resilience;
using Gateway.Utilities;

namespace Gateway.UnitTests.Resilience;

public sealed class ResiliencePolicyOptionsTests
{
    private const string P = "Gateway:Resilience:Policies:p";

    private static IReadOnlyList<ConfigError> Validate(ResiliencePolicyOptions policy) => GatewayOptionsValidator.Validate(new GatewayOptions
    {
        Resilience = new ResilienceOptions { Policies = new Dictionary<string, ResiliencePolicyOptions> { ["p"] = policy } },
    });

    private static void AssertSingleError(ResiliencePolicyOptions policy, string path, string reason)
    {
        var error = Assert.Single(Validate(policy));
        Assert.Equal($"{P}:{path}", error.Path);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnesAndValid()
    {
        var policy = new ResiliencePolicyOptions();

        Assert.Empty(Validate(policy));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.Timeout);
        Assert.Null(policy.AttemptTimeout);
        Assert.Null(policy.IdleTimeout);
        var breaker = policy.CircuitBreaker;
        Assert.True(breaker.Enabled);
        Assert.Equal(0.5, breaker.FailureRatio);
        Assert.Equal(20, breaker.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(10), breaker.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), breaker.BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(60), breaker.MaxBreakDuration);
        Assert.Equal([500, 502, 503, 504], breaker.EffectiveFailureStatusCodes);
        var retry = policy.Retry;
        Assert.Equal(2, retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(50), retry.BackoffBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.BackoffMaxDelay);
        Assert.Equal(20, retry.BudgetPercent);
        Assert.Equal(3, retry.MinRetriesPerSecond);
        Assert.Equal([502, 503], retry.EffectiveStatusCodes);
        Assert.Equal(1000, policy.Bulkhead.MaxConcurrentRequests);
        Assert.Equal(0, policy.Bulkhead.QueueLimit);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.Bulkhead.QueueTimeout);
    }

    [Fact]
    public void MinimumValues_AreValid()
    {
        var policy = new ResiliencePolicyOptions
        {
            Timeout = TimeSpan.FromMilliseconds(1),
            AttemptTimeout = TimeSpan.FromMilliseconds(1),
            IdleTimeout = TimeSpan.FromMilliseconds(1),
            CircuitBreaker = new CircuitBreakerOptions
            {
                FailureRatio = 0.001,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromMilliseconds(500),
                BreakDuration = TimeSpan.FromMilliseconds(500),
                MaxBreakDuration = TimeSpan.FromMilliseconds(500),
                FailureStatusCodes = [500],
            },
            Retry = new RetryPolicyOptions
            {
                MaxAttempts = 1,
                BackoffBaseDelay = TimeSpan.Zero,
                BackoffMaxDelay = TimeSpan.Zero,
                BudgetPercent = 0,
                MinRetriesPerSecond = 0,
                StatusCodes = [],
            },
            Bulkhead = new BulkheadOptions { MaxConcurrentRequests = 1, QueueLimit = 0, QueueTimeout = TimeSpan.FromMilliseconds(1) },
        };

        Assert.Empty(Validate(policy));
    }

    [Fact]
    public void MaximumValues_AreValid()
    {
        var policy = new ResiliencePolicyOptions
        {
            Timeout = TimeSpan.FromMinutes(10),
            CircuitBreaker = new CircuitBreakerOptions { FailureRatio = 1, MinimumThroughput = 100_000, SamplingDuration = TimeSpan.FromHours(1), BreakDuration = TimeSpan.FromHours(1), MaxBreakDuration = TimeSpan.FromHours(1), FailureStatusCodes = [599] },
            Retry = new RetryPolicyOptions { MaxAttempts = 10, BackoffBaseDelay = TimeSpan.FromMinutes(1), BackoffMaxDelay = TimeSpan.FromMinutes(1), BudgetPercent = 100, MinRetriesPerSecond = 10_000 },
            Bulkhead = new BulkheadOptions { MaxConcurrentRequests = 100_000, QueueLimit = 100_000, QueueTimeout = TimeSpan.FromMinutes(10) },
        };

        Assert.Empty(Validate(policy));
    }

    [Fact]
    public void FailureRatioZero_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { FailureRatio = 0 } }, "CircuitBreaker:FailureRatio", "must be above 0 and at most 1 (was 0).");

    [Fact]
    public void FailureRatioAboveOne_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { FailureRatio = 1.5 } }, "CircuitBreaker:FailureRatio", "must be above 0 and at most 1 (was 1.5).");

    [Fact]
    public void MinimumThroughputOne_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { MinimumThroughput = 1 } }, "CircuitBreaker:MinimumThroughput", "must be between 2 and 100000 (was 1).");

    [Fact]
    public void SamplingDurationTooShort_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { SamplingDuration = TimeSpan.FromMilliseconds(499) } },
        "CircuitBreaker:SamplingDuration",
        "must be between 00:00:00.5000000 and 01:00:00 (was 00:00:00.4990000).");

    [Fact]
    public void BreakDurationTooShort_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { BreakDuration = TimeSpan.FromMilliseconds(100), MaxBreakDuration = TimeSpan.FromSeconds(1) } },
        "CircuitBreaker:BreakDuration",
        "must be between 00:00:00.5000000 and 01:00:00 (was 00:00:00.1000000).");

    [Fact]
    public void MaxBreakDurationBelowBreakDuration_IsRefused() => AssertSingleError(
        new() { CircuitBreaker = new() { BreakDuration = TimeSpan.FromSeconds(10), MaxBreakDuration = TimeSpan.FromSeconds(5) } },
        "CircuitBreaker:MaxBreakDuration",
        "must be between 00:00:10 and 01:00:00 (was 00:00:05).");

    [Fact]
    public void FailureStatusCodeNot5xx_NamesTheIndex() => AssertSingleError(
        new() { CircuitBreaker = new() { FailureStatusCodes = [500, 429] } },
        "CircuitBreaker:FailureStatusCodes:1",
        "must be a 5xx status code, 500 to 599 (was 429).");

    [Fact]
    public void MaxAttemptsZero_IsRefused() => AssertSingleError(
        new() { Retry = new() { MaxAttempts = 0 } }, "Retry:MaxAttempts", "must be between 1 and 10 (was 0).");

    [Fact]
    public void MaxAttemptsEleven_IsRefused() => AssertSingleError(
        new() { Retry = new() { MaxAttempts = 11 } }, "Retry:MaxAttempts", "must be between 1 and 10 (was 11).");

    [Fact]
    public void NegativeBackoff_IsRefused() => AssertSingleError(
        new() { Retry = new() { BackoffBaseDelay = TimeSpan.FromMilliseconds(-1) } },
        "Retry:BackoffBaseDelay",
        "must be between 00:00:00 and 00:01:00 (was -00:00:00.0010000).");

    [Fact]
    public void BackoffMaxBelowBase_IsRefused() => AssertSingleError(
        new() { Retry = new() { BackoffBaseDelay = TimeSpan.FromSeconds(2), BackoffMaxDelay = TimeSpan.FromSeconds(1) } },
        "Retry:BackoffMaxDelay",
        "must be between 00:00:02 and 00:01:00 (was 00:00:01).");

    [Fact]
    public void BudgetPercentAbove100_IsRefused() => AssertSingleError(
        new() { Retry = new() { BudgetPercent = 101 } }, "Retry:BudgetPercent", "must be between 0 and 100 (was 101).");

    [Fact]
    public void NegativeMinRetriesPerSecond_IsRefused() => AssertSingleError(
        new() { Retry = new() { MinRetriesPerSecond = -1 } }, "Retry:MinRetriesPerSecond", "must be between 0 and 10000 (was -1).");

    [Fact]
    public void RetryStatusCodeNot5xx_NamesTheIndex() => AssertSingleError(
        new() { Retry = new() { StatusCodes = [404] } }, "Retry:StatusCodes:0", "must be a 5xx status code, 500 to 599 (was 404).");

    [Fact]
    public void MaxConcurrentRequestsZero_IsRefused() => AssertSingleError(
        new() { Bulkhead = new() { MaxConcurrentRequests = 0 } }, "Bulkhead:MaxConcurrentRequests", "must be between 1 and 100000 (was 0).");

    [Fact]
    public void NegativeQueueLimit_IsRefused() => AssertSingleError(
        new() { Bulkhead = new() { QueueLimit = -1 } }, "Bulkhead:QueueLimit", "must be between 0 and 100000 (was -1).");

    [Fact]
    public void QueueTimeoutZero_IsRefused() => AssertSingleError(
        new() { Bulkhead = new() { QueueTimeout = TimeSpan.Zero } },
        "Bulkhead:QueueTimeout",
        "must be between 00:00:00.0010000 and 00:10:00 (was 00:00:00).");

    [Fact]
    public void TimeoutZero_IsRefused() => AssertSingleError(
        new() { Timeout = TimeSpan.Zero },
        "Timeout",
        "must be between 00:00:00.0010000 and 00:10:00 (was 00:00:00).");

    [Fact]
    public void IdleTimeoutOverADay_IsRefused() => AssertSingleError(
        new() { IdleTimeout = TimeSpan.FromHours(25) },
        "IdleTimeout",
        "must be between 00:00:00.0010000 and 1.00:00:00 (was 1.01:00:00).");

    [Fact]
    public void AttemptTimeoutAboveTimeout_IsRefused() => AssertSingleError(
        new() { Timeout = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(3) },
        "AttemptTimeout",
        "must be between 00:00:00.0010000 and 00:00:02 (was 00:00:03).");

    [Fact]
    public void Equality_ComparesStatusListsByValue()
    {
        var a = new ResiliencePolicyOptions { CircuitBreaker = new() { FailureStatusCodes = [500, 503] }, Retry = new() { StatusCodes = [503] } };
        var b = new ResiliencePolicyOptions { CircuitBreaker = new() { FailureStatusCodes = [500, 503] }, Retry = new() { StatusCodes = [503] } };
        var c = b with { CircuitBreaker = b.CircuitBreaker with { BreakDuration = TimeSpan.FromSeconds(6) } };

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
