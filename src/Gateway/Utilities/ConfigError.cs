namespace Gateway.Utilities;

/// <summary>One reason a configuration was refused, with the key path it concerns.</summary>
/// <param name="Path">The configuration key path, e.g. <c>ReverseProxy:Clusters:api:Metadata:FailoverPolicy</c>.</param>
/// <param name="Reason">What is wrong and, where there is one, the allowed range.</param>
public sealed record ConfigError(string Path, string Reason)
{
    /// <summary>Formats the error as <c>path: reason</c>, the form the CLI and logs print.</summary>
    public override string ToString() => $"{Path}: {Reason}";
}
