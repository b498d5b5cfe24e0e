using System.Globalization;

namespace Gateway.Answers;

/// <summary>
/// <c>Retry-After</c> values in whole seconds, jittered so that clients refused together do not come back together.
/// </summary>
internal static class RetryAfter
{
    private const int CachedMax = 600;

    // Header values for 0..600 s, so a refusal does not format a string.
    private static readonly string[] s_values = Enumerable.Range(0, CachedMax + 1)
        .Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private static readonly string[] s_milliseconds = Enumerable.Range(0, CachedMax + 1)
        .Select(i => (i * 1000).ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A value drawn uniformly from [<paramref name="minSeconds"/>, <paramref name="maxSeconds"/>].</summary>
    public static string Jittered(int minSeconds, int maxSeconds) => Format(Draw(minSeconds, maxSeconds));

    /// <summary>Whole seconds drawn uniformly from [<paramref name="minSeconds"/>, <paramref name="maxSeconds"/>].</summary>
    public static int Draw(int minSeconds, int maxSeconds) =>
        minSeconds >= maxSeconds ? minSeconds : Random.Shared.Next(minSeconds, maxSeconds + 1);

    /// <summary>A <c>Retry-After</c> value (whole seconds) in milliseconds, for gRPC's <c>grpc-retry-pushback-ms</c>.</summary>
    public static string InMilliseconds(string retryAfter) =>
        int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= CachedMax
            ? s_milliseconds[seconds]
            : long.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var longSeconds)
                ? (longSeconds * 1000).ToString(CultureInfo.InvariantCulture)
                : "0";

    public static string Format(int seconds) =>
        seconds is >= 0 and <= CachedMax ? s_values[seconds] : seconds.ToString(CultureInfo.InvariantCulture);
}
