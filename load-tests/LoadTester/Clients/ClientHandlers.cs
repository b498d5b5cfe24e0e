namespace LoadTests.Clients;

/// <summary>The HTTP handlers virtual users send through.</summary>
internal static class ClientHandlers
{
    /// <param name="timeout">Connect timeout; the whole attempt has the same bound.</param>
    /// <param name="connections">1 for a session's own connection; the tool's maximum for the shared keep-alive pool.</param>
    public static SocketsHttpHandler Create(TimeSpan timeout, int connections) => new()
    {
        // Load must go where the URL says, never through an environment's proxy.
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        MaxConnectionsPerServer = connections,
        ConnectTimeout = timeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };
}
