namespace Gateway.Limits;

/// <summary>Why a proxy connection was closed at once, before any HTTP was read from it.</summary>
internal enum ConnectionRejection
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary><c>Gateway:Limits:MaxConcurrentConnections</c> proxy connections were open.</summary>
    MaxConnections,

    /// <summary>Over <c>Gateway:Limits:MaxNewConnectionsPerSecond</c>, all clients together.</summary>
    ConnectionRate,

    /// <summary>Over <c>Gateway:Limits:MaxNewConnectionsPerSecondPerClient</c> from the connection's IP address.</summary>
    ClientConnectionRate,
}
