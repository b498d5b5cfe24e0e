using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace LoadTests.Clients;

/// <summary>The parts of an HTTP/1.1 response head the load tester reads: status, body framing, and the refusal's headers.</summary>
internal readonly record struct RawHttpHead(int Status, long ContentLength, bool Chunked, bool Close, string? RetryAfter, string? GatewayReason)
{
    private static readonly string[] s_reasons = ["overloaded", "rate-limited", "circuit-open", "no-healthy-destination", "upstream-timeout", "upstream-unreachable"];

    /// <summary>Whether the body runs until the server closes the connection (neither a length nor chunked framing).</summary>
    public bool BodyToClose => ContentLength < 0 && !Chunked && HasBody;

    public bool HasBody => Status is not (204 or 304) and >= 200;

    /// <summary>Parses a head (status line and header lines, without the blank line that ends it); null when it is not HTTP/1.x.</summary>
    public static RawHttpHead? TryParse(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3 || status < 100)
        {
            return null;
        }

        // HTTP/1.0 closes after each response unless it says keep-alive; HTTP/1.1 keeps it open unless it says close.
        var close = statusLine[7] == (byte)'0';
        long contentLength = -1;
        var chunked = false;
        string? retryAfter = null;
        string? reason = null;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return null;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Is(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out var digits) || digits != value.Length || contentLength < 0)
                {
                    return null;
                }
            }
            else if (Is(name, "Transfer-Encoding"u8))
            {
                chunked = EndsWithToken(value, "chunked"u8);
            }
            else if (Is(name, "Connection"u8))
            {
                close = Contains(value, "close"u8) || (close && !Contains(value, "keep-alive"u8));
            }
            else if (Is(name, "Retry-After"u8))
            {
                retryAfter = Encoding.ASCII.GetString(value);
            }
            else if (Is(name, "X-Gateway-Reason"u8))
            {
                reason = Known(value);
            }
        }

        return new RawHttpHead(status, chunked ? -1 : contentLength, chunked, close, retryAfter, reason);
    }

    /// <summary>Retry-After as a delay: delta seconds, or an HTTP date counted from now (never below zero).</summary>
    public static TimeSpan? ParseRetryAfter(string? value, TimeProvider time)
    {
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? Until(date, time)
            : null;
    }

    /// <summary>A Retry-After date as a delay from now; a date already past is no delay.</summary>
    public static TimeSpan Until(DateTimeOffset date, TimeProvider time) =>
        date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) => Ascii.EqualsIgnoreCase(name, expected);

    private static bool Contains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim((byte)' '), token))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EndsWithToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token) =>
        value.Length >= token.Length && Ascii.EqualsIgnoreCase(value[^token.Length..], token);

    // The gateway's reasons are few: reuse their strings rather than allocate one per refusal.
    private static string Known(ReadOnlySpan<byte> value)
    {
        foreach (var reason in s_reasons)
        {
            if (Ascii.Equals(value, reason))
            {
                return reason;
            }
        }

        return Encoding.ASCII.GetString(value);
    }
}
