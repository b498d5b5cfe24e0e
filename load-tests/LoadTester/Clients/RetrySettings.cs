namespace LoadTests.Clients;

/// <summary>The numbers behind a <see cref="ClientRetryPolicy"/>.</summary>
/// <param name="MaxRetries">Retries after the first attempt; default 5, 1 to 100.</param>
/// <param name="BaseDelay">The first backoff of the exponential policies, every pause of the fixed one; default 100 ms.</param>
/// <param name="MaxDelay">No wait is longer, not even one a <c>Retry-After</c> asks for; default 10 s.</param>
internal sealed record RetrySettings(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetrySettings Default { get; } = new(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));
}
