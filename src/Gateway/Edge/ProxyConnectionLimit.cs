using Microsoft.AspNetCore.Connections;

namespace Gateway.Edge;

/// <summary>
/// Caps the connections open at once on the proxy listener(s). Kestrel's own <c>MaxConcurrentConnections</c> counts
/// every listener together, so a flood on the proxy port would also lock out the admin listener's health probes and
/// get a healthy gateway restarted; this counts proxy connections only.
/// </summary>
internal sealed class ProxyConnectionLimit(long limit, EdgeMetrics metrics, ILogger<ProxyConnectionLimit> logger)
{
    private long _open;

    /// <summary>Proxy connections open now.</summary>
    public long Open => Volatile.Read(ref _open);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => OnConnectionAsync(connection, next);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _open) > limit)
        {
            Interlocked.Decrement(ref _open);
            metrics.ConnectionRejected();
            Log.ConnectionRejected(logger, connection.RemoteEndPoint, limit);
            // Like Kestrel's own limit: close without a response; the client cannot tell a full server from a busy one.
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
