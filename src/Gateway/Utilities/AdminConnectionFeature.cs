namespace Gateway.Utilities;

/// <summary>
/// Marks a connection accepted on the admin listener. Set by connection middleware on the admin endpoints, so the
/// split between admin and proxy traffic depends on the socket, never on a Host header a client can forge.
/// </summary>
internal sealed class AdminConnectionFeature
{
    public static readonly AdminConnectionFeature Instance = new();

    private AdminConnectionFeature()
    {
    }
}
