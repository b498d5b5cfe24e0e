using System.Net;

namespace Gateway.Utilities;

/// <summary>One parsed listener URL (<c>http://host:port</c>), in the forms ASP.NET Core's <c>--urls</c> accepts.</summary>
internal sealed record ListenerAddress(string Url, IPAddress? Address, bool AnyAddress, bool Localhost, int Port)
{
    /// <summary>True when the listener is reachable only from this machine.</summary>
    public bool IsLoopback => Localhost || (Address is not null && IPAddress.IsLoopback(Address));

    /// <summary>Parses a <c>;</c>-separated list; returns null and an error when any entry is unusable.</summary>
    public static IReadOnlyList<ListenerAddress>? ParseList(string? urls, out string? error)
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
            var parsed = Parse(part, out error);
            if (parsed is null)
            {
                return null;
            }

            result.Add(parsed);
        }

        return result;
    }

    private static ListenerAddress? Parse(string url, out string? error)
    {
        error = null;
        const string scheme = "http://";
        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{url}': https listeners are not supported; terminate TLS in front of the gateway.";
            return null;
        }

        if (!url.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{url}' is not an http://host:port URL.";
            return null;
        }

        var hostPort = url[scheme.Length..].TrimEnd('/');
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
            return new ListenerAddress(url, null, AnyAddress: true, Localhost: false, port);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                error = $"'{url}': port 0 needs an IP address, not localhost.";
                return null;
            }

            return new ListenerAddress(url, null, AnyAddress: false, Localhost: true, port);
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return new ListenerAddress(url, ip, AnyAddress: false, Localhost: false, port);
        }

        error = $"'{url}': the host must be an IP address, localhost or *.";
        return null;
    }
}
