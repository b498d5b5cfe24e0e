using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gateway.Grpc;

/// <summary>Recognises gRPC calls and reads and writes the protocol's header values.</summary>
internal static class GrpcProtocol
{
    /// <summary>
    /// Whether the request is a gRPC call: its content type is <c>application/grpc</c>, optionally followed by
    /// <c>+codec</c>, <c>-web</c> or parameters.
    /// </summary>
    public static bool IsGrpc(HttpRequest request) => IsGrpcContentType(request.ContentType);

    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null &&
        contentType.StartsWith(GrpcConstants.ContentTypePrefix, StringComparison.OrdinalIgnoreCase) &&
        (contentType.Length == GrpcConstants.ContentTypePrefix.Length || contentType[GrpcConstants.ContentTypePrefix.Length] is '+' or ';' or '-');

    /// <summary>
    /// Reads <c>grpc-timeout</c> (1 to 8 digits and a unit: H, M, S, m, u, n). A value that breaks that grammar is
    /// ignored, as gRPC servers do, rather than refused.
    /// </summary>
    public static bool TryParseTimeout(StringValues values, out TimeSpan timeout)
    {
        timeout = default;
        if (values.Count != 1 || values[0] is not { Length: >= 2 and <= 9 } text ||
            !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var ticks = text[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * TimeSpan.TicksPerMicrosecond,
            'n' => value / TimeSpan.NanosecondsPerTick,
            _ => -1L,
        };
        if (ticks < 0)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>A <c>grpc-timeout</c> value for <paramref name="milliseconds"/> (at least 1 ms, in the unit that fits 8 digits).</summary>
    public static string FormatTimeout(long milliseconds) =>
        milliseconds <= GrpcConstants.MaxTimeoutValue
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(milliseconds, 1)}m")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Min(milliseconds / 1000, GrpcConstants.MaxTimeoutValue)}S");

    /// <summary>
    /// <c>grpc-message</c> as the protocol writes it: UTF-8, with bytes outside printable ASCII and <c>%</c>
    /// percent-encoded.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
