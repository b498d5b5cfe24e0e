namespace Gateway.Admin;

/// <summary>Marks an endpoint served only on the admin listener.</summary>
/// <param name="RequiresKey">Whether <c>X-Admin-Key</c> is checked when an API key is configured.</param>
internal sealed record AdminEndpointMetadata(bool RequiresKey)
{
    public static readonly AdminEndpointMetadata Open = new(false);
    public static readonly AdminEndpointMetadata Keyed = new(true);
}
