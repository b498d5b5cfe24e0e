using System.Net;

namespace Gateway.Utilities;

/// <summary>
/// One parsed listener URL (<c>http://host:port</c>, or <c>https://host:port</c> where TLS is configured), in the
/// forms ASP.NET Core's <c>--urls</c> and <c>Kestrel:Endpoints</c> accept: the host is an IP address,
/// <c>localhost</c> or <c>*</c>.
/// </summary>
internal sealed record ListenerAddress(string Url, IPAddress? Address, bool AnyAddress, bool Localhost, int Port, bool Https = false)
{
    /// <summary>True when the listener is reachable only from this machine.</summary>
    public bool IsLoopback => Localhost || (Address is not null && IPAddress.IsLoopback(Address));

    /// <summary>
    /// Whether both would bind the same socket: the same port (not 0) and not two different IP addresses.
    /// </summary>
    public bool Overlaps(ListenerAddress other) =>
        Port != 0 && Port == other.Port &&
        !(Address is not null && other.Address is not null && !Address.Equals(other.Address));

    /// <summary>Parses a <c>;</c>-separated list; returns null and an error when any entry is unusable.</summary>
    /// <param name="allowHttps">Where the caller has a certificate for https URLs (checked by the caller).</param>
    public static IReadOnlyList<ListenerAddress>? ParseList(string? urls, out string? error, bool allowHttps = false)
    {
        error = null;
        var parts = (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            error = "must name at least one http://host:port URL.";
            return null;
        }

        var result = new List<ListenerAddress>(parts.Length);
        foreach (var part in parts)
        {
            var parsed = Parse(part, allowHttps, out error);
            if (parsed is null)
            {
                return null;
            }

            result.Add(parsed);
        }

        return result;
    }

    /// <summary>Parses one URL; <paramref name="allowHttps"/> where the caller has a certificate for it.</summary>
    public static ListenerAddress? Parse(string url, bool allowHttps, out string? error)
    {
        error = null;
        var https = url.StartsWith(HttpsScheme, StringComparison.OrdinalIgnoreCase);
        if (https && !allowHttps)
        {
            error = $"'{url}': an https listener needs a certificate; declare it under Kestrel:Endpoints with one.";
            return null;
        }

        if (!https && !url.StartsWith(HttpScheme, StringComparison.OrdinalIgnoreCase))
        {
            error = allowHttps ? $"'{url}' is not an http:// or https://host:port URL." : $"'{url}' is not an http://host:port URL.";
            return null;
        }

        var hostPort = url[(https ? HttpsScheme : HttpScheme).Length..];
        if (hostPort.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 && slash < hostPort.Length - 1)
        {
            error = $"'{url}': a listener URL has no path.";
            return null;
        }

        hostPort = hostPort.TrimEnd('/');
        var colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || hostPort.EndsWith(']') ||
            !int.TryParse(hostPort.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) ||
            port is < 0 or > 65535)
        {
            error = $"'{url}' needs an explicit port from 0 to 65535.";
            return null;
        }

        var host = hostPort[..colon];
        if (host is "*" or "+" or "0.0.0.0" or "[::]")
        {
            return new ListenerAddress(url, null, AnyAddress: true, Localhost: false, port, https);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                error = $"'{url}': port 0 needs an IP address, not localhost.";
                return null;
            }

            return new ListenerAddress(url, null, AnyAddress: false, Localhost: true, port, https);
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return new ListenerAddress(url, ip, AnyAddress: false, Localhost: false, port, https);
        }

        error = $"'{url}': the host must be an IP address, localhost or *.";
        return null;
    }

    private const string HttpScheme = "http://";
    private const string HttpsScheme = "https://";
}
