using Gateway.ClientIdentity;
using Gateway.Utilities;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Model;

namespace Gateway.RateLimiting;

/// <summary>How a policy names a request's bucket, parsed once from <c>PartitionBy</c>.</summary>
internal sealed class PartitionKey
{
    private enum Kind
    {
        ApiKey,
        ClientIp,
        Header,
        Consumer,
        Claim,
        Route,
        Global,
    }

    private readonly Kind _kind;
    private readonly string _header;

    private PartitionKey(Kind kind, string header)
    {
        _kind = kind;
        _header = header;
    }

    /// <summary>Whether the partition comes from the identity step (<c>Consumer</c>, <c>Claim:&lt;name&gt;</c>).</summary>
    public bool NeedsIdentity => _kind is Kind.Consumer or Kind.Claim;

    /// <summary>Parses a validated <c>PartitionBy</c> value; null when it is not one.</summary>
    public static PartitionKey? Parse(string partitionBy)
    {
        if (partitionBy.StartsWith(RateLimitingConstants.HeaderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = partitionBy[RateLimitingConstants.HeaderPrefix.Length..].Trim();
            return name.Length == 0 ? null : new PartitionKey(Kind.Header, name);
        }

        if (partitionBy.StartsWith(RateLimitingConstants.ClaimPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = partitionBy[RateLimitingConstants.ClaimPrefix.Length..].Trim();
            return name.Length == 0 ? null : new PartitionKey(Kind.Claim, name);
        }

        return partitionBy.ToUpperInvariant() switch
        {
            "APIKEY" => new PartitionKey(Kind.ApiKey, RateLimitingConstants.ApiKeyHeader),
            "CONSUMER" => new PartitionKey(Kind.Consumer, string.Empty),
            "CLIENTIP" => new PartitionKey(Kind.ClientIp, string.Empty),
            "ROUTE" => new PartitionKey(Kind.Route, string.Empty),
            "GLOBAL" => new PartitionKey(Kind.Global, string.Empty),
            _ => null,
        };
    }

    /// <summary>The request's partition; <see cref="RateLimitingConstants.MissingPartition"/> when it has no value.</summary>
    public string Resolve(HttpContext context, ClientIpResolver clientIp, RouteModel route)
    {
        switch (_kind)
        {
            case Kind.ApiKey:
            case Kind.Header:
                var value = context.Request.Headers[_header];
                // A client that sends "(missing)" only joins the shared bucket of clients without a value.
                return StringValues.IsNullOrEmpty(value) || value[0] is not { Length: > 0 } first
                    ? RateLimitingConstants.MissingPartition
                    : Bounded(first);
            case Kind.Consumer:
                // The consumer the identity step proved, never a header the client chose: an unknown key never gets
                // here, so a client spraying keys cannot make buckets.
                return ProxyRequestState.Find(context)?.Identity?.Consumer is { } consumer
                    ? Bounded(consumer)
                    : RateLimitingConstants.MissingPartition;
            case Kind.Claim:
                return ProxyRequestState.Find(context)?.Identity?.Claim(_header) is { Length: > 0 } claim
                    ? Bounded(claim)
                    : RateLimitingConstants.MissingPartition;
            case Kind.ClientIp:
                var peer = context.Connection.RemoteIpAddress;
                if (peer is null)
                {
                    return RateLimitingConstants.MissingPartition;
                }

                if (!clientIp.IsTrustedPeer(peer))
                {
                    // The peer is the client, as on every request of its connection.
                    return clientIp.PeerGroupText(peer);
                }

                // The header is looked up only when a trusted proxy could make it count.
                var address = clientIp.Resolve(peer, context.Request.Headers[RateLimitingConstants.ForwardedForHeader]);
                return address is null ? RateLimitingConstants.MissingPartition : clientIp.Group(address).ToString();
            case Kind.Route:
                return route.Config.RouteId;
            default:
                return string.Empty;
        }
    }

    /// <summary>
    /// <paramref name="value"/> itself, or when longer than <see cref="RateLimitingConstants.MaxPartitionKeyLength"/>
    /// a digest of it: a header value can be tens of KB, and it is kept as the partition's key. SHA-256, so a client
    /// cannot make two values share a bucket; computed once per request, before any lookup.
    /// </summary>
    internal static string Bounded(string value)
    {
        if (value.Length <= RateLimitingConstants.MaxPartitionKeyLength)
        {
            return value;
        }

        return "sha256:" + Sha256Hex.Of(value, 16);
    }
}
