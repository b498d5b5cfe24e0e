using System.Collections.Concurrent;

namespace LoadTests.Clients;

/// <summary>How the sessions of one run get their channel: the run's shared keep-alive pool, or a connection each.</summary>
internal sealed class SessionChannels : IDisposable
{
    private readonly HttpMessageInvoker? _sharedInvoker;
    private readonly DotnetChannel? _shared;
    private readonly RawHttpTarget? _raw;
    private readonly ConcurrentDictionary<string, Uri> _uris = new();
    private readonly Uri _target;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    /// <param name="connections">The shared pool's connections at most (keep-alive).</param>
    public SessionChannels(ConnectionMode mode, ClientStack stack, Uri target, TimeSpan timeout, int connections, TimeProvider time)
    {
        _target = target;
        _timeout = timeout;
        _time = time;
        if (mode == ConnectionMode.KeepAlive)
        {
            _sharedInvoker = new HttpMessageInvoker(ClientHandlers.Create(timeout, connections));
            _shared = new DotnetChannel(_sharedInvoker, ownsClient: false, target, _uris, time);
        }
        else if (stack == ClientStack.Raw && RawHttpTarget.Supports(target))
        {
            _raw = RawHttpTarget.Resolve(target, timeout);
        }
    }

    /// <summary>The stack the sessions send with: the shared pool is always .NET's; raw needs plain HTTP.</summary>
    public ClientStack Stack => _raw is null ? ClientStack.Dotnet : ClientStack.Raw;

    /// <summary>Whether each session opens a connection of its own.</summary>
    public bool PerSession => _shared is null;

    /// <summary>The channel for one session; the session disposes it when it ends (for the shared pool, a no-op).</summary>
    public ISessionChannel Open()
    {
        if (_shared is not null)
        {
            return _shared;
        }

        return _raw is { } raw
            ? new RawHttpChannel(raw, _time)
            : new DotnetChannel(new HttpMessageInvoker(ClientHandlers.Create(_timeout, 1)), ownsClient: true, _target, _uris, _time);
    }

    public void Dispose()
    {
        // The shared channel does not own its invoker, so that sessions cannot dispose it; the run does, here.
        _sharedInvoker?.Dispose();
    }
}
