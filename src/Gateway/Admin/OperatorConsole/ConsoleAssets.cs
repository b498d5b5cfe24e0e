using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Gateway.Admin.OperatorConsole;

/// <summary>
/// The console's static files, embedded in the gateway assembly (see Gateway.csproj) so a deployment is one
/// artefact and the page always matches the API it reads. Loaded once; a few kilobytes.
/// </summary>
internal sealed class ConsoleAssets
{
    private const string ResourcePrefix = "Gateway.OperatorConsole.";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, Asset> _assets;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) ||
                !ContentTypes.TryGetValue(Path.GetExtension(resource), out var contentType))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
            assets[resource[ResourcePrefix.Length..]] = new Asset(bytes, contentType, etag);
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out Asset asset) => _assets.TryGetValue(name, out asset!);

    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
