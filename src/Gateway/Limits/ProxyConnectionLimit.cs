using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Gateway.Limits;

/// <summary>
/// Admits connections on the proxy listener(s): caps the connections open at once and, through
/// <see cref="ConnectionRateLimiter"/>, the new connections per second. Kestrel's own <c>MaxConcurrentConnections</c>
/// counts every listener together, so a flood on the proxy port would also lock out the admin listener's health probes
/// and get a healthy gateway restarted; this counts proxy connections only. A refused connection is closed before
/// anything is read from it.
/// </summary>
internal sealed class ProxyConnectionLimit(long limit, ConnectionRateLimiter rates, LimitsMetrics metrics, ConnectionRejectionLog log)
{
    private long _open;

    /// <summary>Proxy connections open now.</summary>
    public long Open => Volatile.Read(ref _open);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => OnConnectionAsync(connection, next);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        // The cap first: a connection it refuses spends no rate tokens, which the clients it lets in will need.
        var rejection = Interlocked.Increment(ref _open) > limit
            ? ConnectionRejection.MaxConnections
            : rates.Admit((connection.RemoteEndPoint as IPEndPoint)?.Address);
        if (rejection != ConnectionRejection.None)
        {
            Interlocked.Decrement(ref _open);
            metrics.ConnectionRejected(rejection);
            log.Rejected(rejection, connection.RemoteEndPoint);
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
