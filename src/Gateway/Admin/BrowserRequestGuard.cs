using System.Net;

namespace Gateway.Admin;

/// <summary>
/// Keeps web pages the operator happens to visit from using the admin API through the operator's browser.
/// A cross-site form or fetch can POST a drain without a preflight (CSRF), and a page on a domain re-pointed at
/// 127.0.0.1 can read the admin JSON as same-origin (DNS rebinding). So a state-changing request that a browser
/// marks as coming from another site is refused, and without an API key (allowed on loopback only) the Host must
/// name the loopback address, which a rebound domain cannot.
/// </summary>
internal static class BrowserRequestGuard
{
    /// <returns>Why the request is refused, or null when it may go on.</returns>
    public static string? Check(HttpRequest request, bool keyConfigured)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method))
        {
            var site = request.Headers["Sec-Fetch-Site"].ToString();
            if (site is "cross-site" or "same-site")
            {
                return "a state-changing admin request from another site";
            }

            var origin = request.Headers.Origin.ToString();
            if (origin.Length > 0 &&
                (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri) ||
                 !string.Equals(originUri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
            {
                return "a state-changing admin request whose Origin is not the admin listener";
            }
        }

        if (!keyConfigured && !IsLoopbackHost(request.Host.Host))
        {
            return "Host does not name the loopback address (set Gateway:Admin:ApiKey to use the admin API under another name)";
        }

        return null;
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
