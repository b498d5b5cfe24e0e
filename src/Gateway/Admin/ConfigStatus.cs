using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Redis;

namespace Gateway.Admin;

/// <summary>The body of <c>GET /admin/config</c>: the effective configuration and the last reload's result.</summary>
/// <param name="Revision">The validated snapshot serving now.</param>
/// <param name="ProxyRevision">The revision YARP's route table runs; equal to Revision a moment after a reload.</param>
internal sealed record ConfigStatus(long Revision, long ProxyRevision, DateTimeOffset AppliedAt, ConfigReloadReport? LastReload, JsonNode? Effective)
{
    private const string Redacted = RedisSecrets.Redacted;

    public static ConfigStatus From(ConfigSnapshotSource source)
    {
        var snapshot = source.Current;
        var gateway = snapshot.Gateway with
        {
            Admin = snapshot.Gateway.Admin with
            {
                ApiKey = snapshot.Gateway.Admin.ApiKey is null ? null : Redacted,
                Certificate = snapshot.Gateway.Admin.Certificate is { Password: not null } certificate ? certificate with { Password = Redacted } : snapshot.Gateway.Admin.Certificate,
            },
            Identity = Redact(snapshot.Gateway.Identity),
            Redis = snapshot.Gateway.Redis with { Configuration = snapshot.Gateway.Redis.Configuration is { } redis ? RedisSecrets.Redact(redis) : null },
        };
        var effective = JsonSerializer.SerializeToNode(
            new EffectiveConfig(new ProxySection(snapshot.Routes, snapshot.Clusters), gateway),
            AdminJson.Config);
        return new ConfigStatus(snapshot.Revision, source.ProxyRevision, snapshot.AppliedAt, source.LastReload, effective);
    }

    /// <summary>Key hashes are not keys, but a weak key can be found from its hash: only their number is shown.</summary>
    private static Identity.IdentityOptions Redact(Identity.IdentityOptions identity) => identity with
    {
        Consumers = identity.Consumers.ToDictionary(
            c => c.Key,
            c => c.Value with { KeyHashes = [.. c.Value.KeyHashes.Select(_ => Redacted)] },
            StringComparer.OrdinalIgnoreCase),
        Jwt = identity.Jwt with { JwksUrl = IdentityStatus.Shown(identity.Jwt.JwksUrl) },
    };

    private sealed record EffectiveConfig(ProxySection ReverseProxy, GatewayOptions Gateway);

    private sealed record ProxySection(
        IReadOnlyList<Yarp.ReverseProxy.Configuration.RouteConfig> Routes,
        IReadOnlyList<Yarp.ReverseProxy.Configuration.ClusterConfig> Clusters);
}
