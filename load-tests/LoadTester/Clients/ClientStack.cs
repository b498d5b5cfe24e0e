namespace LoadTests.Clients;

/// <summary>What a session's own connection sends its requests with.</summary>
internal enum ClientStack
{
    /// <summary>
    /// A minimal HTTP/1.1 client on a bare socket. A reconnect storm opens thousands of connections within seconds; on a
    /// machine the load generator shares with the proxy and the backend, a handler and pool per session cost the
    /// generator more CPU than the proxy it measures, and its clock then measures its own wait for a core.
    /// </summary>
    Raw,

    /// <summary>.NET's <see cref="SocketsHttpHandler"/>, one per session: what a .NET client app does.</summary>
    Dotnet,
}

internal static class ClientStackNames
{
    public static string Name(this ClientStack stack) => stack == ClientStack.Raw ? "raw" : "dotnet";

    public static ClientStack Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "raw" => ClientStack.Raw,
        "dotnet" => ClientStack.Dotnet,
        _ => throw new FormatException($"'{text}' is not a client stack: use raw or dotnet."),
    };
}
