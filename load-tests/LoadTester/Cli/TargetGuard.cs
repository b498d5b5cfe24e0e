using System.Net;

namespace LoadTests.Cli;

/// <summary>
/// Load goes to the loopback range only, unless the user names the other host explicitly: a typo in a URL must
/// not turn a load test into an attack on someone else's service.
/// </summary>
internal static class TargetGuard
{
    /// <returns>An error to show, or null when every URL may be loaded.</returns>
    public static string? Check(IEnumerable<Uri?> urls, IReadOnlySet<string> allowedHosts)
    {
        foreach (var url in urls)
        {
            if (url is null)
            {
                continue;
            }

            if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            {
                return $"{url} is not an http(s) URL.";
            }

            if (!IsLoopback(url.Host) && !allowedHosts.Contains(url.Host))
            {
                return $"{url.Host} is not a loopback address; load goes to 127.0.0.0/8, ::1 or localhost unless --allow-host {url.Host} names it.";
            }
        }

        return null;
    }

    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
