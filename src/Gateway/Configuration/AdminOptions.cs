namespace Gateway.Configuration;

/// <summary>The admin listener: <c>Gateway:Admin</c>.</summary>
public sealed record AdminOptions
{
    internal const string DefaultUrls = "http://127.0.0.1:9901";

    // Shorter keys can be brute-forced over the network; the admin API can drain regions.
    internal const int MinApiKeyLength = 16;

    /// <summary>
    /// Where the admin listener binds, <c>;</c>-separated <c>http://host:port</c> URLs.
    /// Default <c>http://127.0.0.1:9901</c>. Read at start-up; a change needs a restart.
    /// </summary>
    public string Urls { get; init; } = AdminOptions.DefaultUrls;

    /// <summary>
    /// The key callers must send in <c>X-Admin-Key</c> for <c>/metrics</c> and <c>/admin/*</c>. Optional on
    /// loopback, required (at least 16 characters) when any admin URL is not a loopback address. Default none.
    /// Reloadable.
    /// </summary>
    public string? ApiKey { get; init; }
}
