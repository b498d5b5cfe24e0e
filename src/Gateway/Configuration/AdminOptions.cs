using Gateway.Tls;

namespace Gateway.Configuration;

/// <summary>The admin listener: <c>Gateway:Admin</c>.</summary>
public sealed record AdminOptions
{
    internal const string DefaultUrls = "http://127.0.0.1:9901";

    // Shorter keys can be brute-forced over the network; the admin API can drain regions.
    internal const int MinApiKeyLength = 16;

    /// <summary>
    /// Where the admin listener binds, <c>;</c>-separated <c>http://host:port</c> URLs, or <c>https://host:port</c>
    /// with <see cref="Certificate"/>. Default <c>http://127.0.0.1:9901</c>. Read at start-up; a change needs a restart.
    /// </summary>
    public string Urls { get; init; } = AdminOptions.DefaultUrls;

    /// <summary>
    /// The key callers must send in <c>X-Admin-Key</c> for <c>/metrics</c> and <c>/admin/*</c>. Optional on
    /// loopback, required (at least 16 characters) when any admin URL is not a loopback address. Default none.
    /// Reloadable.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// The certificate of the <c>https://</c> admin URLs, as a <c>Kestrel:Endpoints</c> entry writes it (<c>Path</c>,
    /// <c>KeyPath</c>, <c>Password</c>); required with one, refused without. Default none. The files are checked at
    /// start and reloaded when they change; the paths are read at start-up.
    /// </summary>
    public ListenerCertificateOptions? Certificate { get; init; }

    /// <summary>
    /// The TLS versions of the <c>https://</c> admin URLs: <c>Tls12</c> and/or <c>Tls13</c>. Default both. Start-up only.
    /// </summary>
    public IReadOnlyList<string>? SslProtocols { get; init; }

    /// <summary>What applies when <see cref="SslProtocols"/> is not set.</summary>
    internal IReadOnlyList<string> EffectiveSslProtocols => SslProtocols ?? TlsConstants.AllowedSslProtocolNames;

    /// <summary>Whether any key of the listener's TLS is set.</summary>
    internal bool HasTls => Certificate is not null || SslProtocols is not null;

    /// <summary>Record equality compares lists by reference; the keys read at start-up are compared by value.</summary>
    internal bool SameListener(AdminOptions other) =>
        Urls == other.Urls && Certificate == other.Certificate && EffectiveSslProtocols.SequenceEqual(other.EffectiveSslProtocols);
}
