namespace Gateway.Telemetry;

/// <summary>
/// The log scope provider the gateway's logger factory uses when no log output reads scopes (no
/// <c>IncludeScopes: true</c> under <c>Logging</c>). Kestrel opens a scope for every connection on its general logger,
/// the one that also logs unhandled exceptions and a slow heartbeat, so the scope cannot be filtered away without those
/// lines; with the default scope provider each one writes an <see cref="AsyncLocal{T}"/> (a new execution context that
/// every later await of the connection carries) and allocates about 220 bytes that the console's formatters then never
/// read. Pushing here keeps nothing.
/// </summary>
internal sealed class UnreadLogScopes : IExternalScopeProvider
{
    public static readonly UnreadLogScopes Instance = new();

    private UnreadLogScopes()
    {
    }

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
    }

    public IDisposable Push(object? state) => Nothing.Instance;

    /// <summary>Whether any log output under <c>Logging</c> is configured to write scopes (start-up only).</summary>
    public static bool Wanted(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            if (key.EndsWith(":IncludeScopes", StringComparison.OrdinalIgnoreCase) && bool.TryParse(value, out var include) && include)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }
}
