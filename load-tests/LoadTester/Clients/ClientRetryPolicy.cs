namespace LoadTests.Clients;

/// <summary>How a virtual user retries a failed call. Storms are made, or damped, by this choice.</summary>
internal enum ClientRetryPolicy
{
    /// <summary>One attempt; a failure is final.</summary>
    None,

    /// <summary>Tries again at once: the naive client that turns an outage into a storm.</summary>
    Immediate,

    /// <summary>Exponential backoff with jitter, so retries spread out instead of returning in waves.</summary>
    ExponentialJitter,

    /// <summary>Waits what the server's <c>Retry-After</c> says; exponential with jitter when it says nothing.</summary>
    HonourRetryAfter,

    /// <summary>
    /// Tries again after the same short pause every time (<c>--retry-base</c>), whatever the server says: the naive
    /// client of a reconnect loop with a sleep in it, as in issue 15's storm ("naive clients retrying after 50 ms").
    /// </summary>
    Fixed,
}

internal static class ClientRetryPolicyNames
{
    public static readonly IReadOnlyDictionary<string, ClientRetryPolicy> ByName = new Dictionary<string, ClientRetryPolicy>(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = ClientRetryPolicy.None,
        ["immediate"] = ClientRetryPolicy.Immediate,
        ["fixed"] = ClientRetryPolicy.Fixed,
        ["exponential-jitter"] = ClientRetryPolicy.ExponentialJitter,
        ["honour-retry-after"] = ClientRetryPolicy.HonourRetryAfter,
    };

    public static string Name(this ClientRetryPolicy policy) => ByName.First(p => p.Value == policy).Key;

    public static ClientRetryPolicy Parse(string text) =>
        ByName.TryGetValue(text.Trim(), out var policy)
            ? policy
            : throw new FormatException($"'{text}' is not a retry policy: use {string.Join(", ", ByName.Keys)}.");
}
