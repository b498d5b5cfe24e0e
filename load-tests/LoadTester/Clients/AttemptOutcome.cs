namespace LoadTests.Clients;

/// <summary>
/// What one HTTP attempt came to: a status code, or a transport error kind when no response arrived.
/// </summary>
/// <param name="Status">The HTTP status code; 0 when <paramref name="Error"/> says why there is none.</param>
/// <param name="GatewayReason">The response's <c>X-Gateway-Reason</c>, when present.</param>
/// <param name="RetryAfter">The response's <c>Retry-After</c> as a delay, when present.</param>
/// <param name="Error">A transport error kind such as <c>connection-refused</c> or <c>timeout</c>.</param>
internal readonly record struct AttemptOutcome(int Status, string? GatewayReason, TimeSpan? RetryAfter, string? Error)
{
    public const string Cancelled = "cancelled";

    public bool IsSuccess => Error is null && Status is >= 200 and < 400;

    /// <summary>Whether a client would try again: transport errors and the statuses that mean "later" or "elsewhere".</summary>
    public bool IsRetryable => (Error is not null && Error != Cancelled) || Status is 408 or 429 or 500 or 502 or 503 or 504;

    /// <summary>A rejection is the server saying "not now": 429 or 503.</summary>
    public bool IsRejection => Error is null && Status is 429 or 503;

    /// <summary>The label reports count under: the status code, or the error kind.</summary>
    public string Label => Error ?? Status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static AttemptOutcome Failed(string error) => new(0, null, null, error);
}
