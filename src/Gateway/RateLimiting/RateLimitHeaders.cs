using System.Globalization;
using System.Text;
using Gateway.Answers;

namespace Gateway.RateLimiting;

/// <summary>
/// The IETF httpapi draft's fields (draft-ietf-httpapi-ratelimit-headers-08 and later):
/// <c>RateLimit-Policy: "name";q=quota;w=window</c> and <c>RateLimit: "name";r=remaining;t=seconds</c>.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeaderName = "RateLimit-Policy";
    public const string RateLimitHeaderName = "RateLimit";

    public static string Policy(string name, RateLimitPolicyOptions options)
    {
        var quoted = Quote(name);
        return options.Algorithm switch
        {
            // A concurrency limit has no window; the quota is what may be in flight at once.
            RateLimitingConstants.Concurrency => string.Create(CultureInfo.InvariantCulture, $"{quoted};q={options.PermitLimit}"),
            RateLimitingConstants.TokenBucket => string.Create(CultureInfo.InvariantCulture, $"{quoted};q={options.TokenLimit};w={Seconds(FullAfter(options))}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{quoted};q={options.PermitLimit};w={Seconds(options.Window)}"),
        };
    }

    /// <summary>The longest until an emptied bucket is whole again: what <c>t</c> says on an allowed request.</summary>
    public static TimeSpan FullAfter(RateLimitPolicyOptions options) => options.Algorithm switch
    {
        RateLimitingConstants.TokenBucket => options.ReplenishmentPeriod * Math.Ceiling((double)options.TokenLimit / options.TokensPerPeriod),
        RateLimitingConstants.Concurrency => TimeSpan.Zero,
        _ => options.Window,
    };

    /// <summary>
    /// <c>RateLimit</c> (<c>"name";r=remaining;t=seconds</c>) from the route's <see cref="RemainingPrefix"/>: every
    /// allowed request sets it, so it is written in one pass on the stack, without an interpolation's pooled buffer.
    /// </summary>
    public static string RateLimitFromPrefix(string remainingPrefix, long remaining, TimeSpan reset)
    {
        // The prefix is a quoted policy name (printable ASCII, a few dozen characters); the numbers take at most 30.
        const int NumbersAndSeparator = 32;
        if (remainingPrefix.Length > 256)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{remainingPrefix}{Math.Max(0, remaining)};t={Seconds(reset)}");
        }

        Span<char> text = stackalloc char[remainingPrefix.Length + NumbersAndSeparator];
        remainingPrefix.CopyTo(text);
        var length = remainingPrefix.Length;
        Math.Max(0, remaining).TryFormat(text[length..], out var written, default, CultureInfo.InvariantCulture);
        length += written;
        ";t=".CopyTo(text[length..]);
        length += 3;
        Seconds(reset).TryFormat(text[length..], out written, default, CultureInfo.InvariantCulture);
        return new string(text[..(length + written)]);
    }

    /// <summary>What <c>RateLimit</c> starts with for a policy: its quoted name and <c>;r=</c>.</summary>
    public static string RemainingPrefix(string quotedName) => quotedName + ";r=";

    /// <summary>Whole seconds, rounded up: a client told 0 would come back at once.</summary>
    public static int Seconds(TimeSpan value) => value <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalSeconds));

    /// <summary><c>Retry-After</c>: when the next permit is due, in whole seconds (at least 1), plus jitter.</summary>
    public static string RetryAfterValue(TimeSpan due)
    {
        var seconds = Math.Max(RateLimitingConstants.MinRetryAfterSeconds, Seconds(due));
        return RetryAfter.Jittered(seconds, seconds + Math.Max(1, seconds / 2));
    }

    /// <summary>A structured-field string: printable ASCII, with <c>"</c> and <c>\</c> escaped.</summary>
    public static string Quote(string name)
    {
        var builder = new StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else
            {
                builder.Append(c is >= ' ' and <= '~' ? c : '_');
            }
        }

        return builder.Append('"').ToString();
    }
}
