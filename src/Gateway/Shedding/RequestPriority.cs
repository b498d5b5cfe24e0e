namespace Gateway.Shedding;

/// <summary>A route's <c>Metadata.Priority</c>; lower values are served first and shed last.</summary>
internal enum RequestPriority
{
    Critical = 0,
    Default = 1,
    Sheddable = 2,
}

internal static class RequestPriorities
{
    public const int Count = 3;

    /// <summary>Reads the priority from route metadata (validated when the config was loaded); absent means default.</summary>
    public static RequestPriority Parse(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(SheddingConstants.PriorityMetadataKey, out var text))
        {
            return RequestPriority.Default;
        }

        return string.Equals(text, SheddingConstants.Critical, StringComparison.OrdinalIgnoreCase) ? RequestPriority.Critical
            : string.Equals(text, SheddingConstants.Sheddable, StringComparison.OrdinalIgnoreCase) ? RequestPriority.Sheddable
            : RequestPriority.Default;
    }

    public static string Name(RequestPriority priority) => priority switch
    {
        RequestPriority.Critical => SheddingConstants.Critical,
        RequestPriority.Sheddable => SheddingConstants.Sheddable,
        _ => SheddingConstants.Default,
    };
}
