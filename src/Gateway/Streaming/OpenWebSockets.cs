using System.Collections.Concurrent;
using Gateway.Shutdown;

namespace Gateway.Streaming;

/// <summary>
/// The WebSockets proxied now. When the drain delay is over and the listeners are about to close, each is closed with
/// 1001 Going Away, so its client reconnects (to another instance) at once instead of when the shutdown timeout cuts it.
/// </summary>
internal sealed class OpenWebSockets
{
    private readonly ConcurrentDictionary<WebSocketRelayStream, byte> _open = new();
    private readonly ILogger<OpenWebSockets> _logger;
    private volatile bool _closing;

    public OpenWebSockets(DrainState drain, ILogger<OpenWebSockets> logger)
    {
        _logger = logger;
        drain.DelayOver.Register(static s => ((OpenWebSockets)s!).CloseAll(), this);
    }

    /// <summary>How many WebSockets are open.</summary>
    public int Count => _open.Count;

    public void Add(WebSocketRelayStream socket)
    {
        _open.TryAdd(socket, 0);
        if (_closing)
        {
            // Upgraded on a connection that was open when the drain ended.
            socket.BeginClose(StreamingConstants.DrainReason);
        }
    }

    public void Remove(WebSocketRelayStream socket) => _open.TryRemove(socket, out _);

    public void ClosedIdle(WebSocketRelayStream socket, TimeSpan idle) => Log.WebSocketIdle(_logger, idle);

    private void CloseAll()
    {
        _closing = true;
        var count = 0;
        foreach (var (socket, _) in _open)
        {
            socket.BeginClose(StreamingConstants.DrainReason);
            count++;
        }

        Log.WebSocketsClosing(_logger, count);
    }
}
