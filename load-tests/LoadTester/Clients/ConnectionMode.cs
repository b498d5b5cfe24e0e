namespace LoadTests.Clients;

/// <summary>How virtual users hold connections.</summary>
internal enum ConnectionMode
{
    /// <summary>One shared pool: connections are reused across sessions, like a server-side client.</summary>
    KeepAlive,

    /// <summary>Each session opens its own connection and closes it at the end, like a device reconnecting.</summary>
    PerSession,
}

internal static class ConnectionModeNames
{
    public static string Name(this ConnectionMode mode) => mode == ConnectionMode.KeepAlive ? "keep-alive" : "per-session";

    public static ConnectionMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "keep-alive" => ConnectionMode.KeepAlive,
        "per-session" => ConnectionMode.PerSession,
        _ => throw new FormatException($"'{text}' is not a connection mode: use keep-alive or per-session."),
    };
}
