using Gateway.Utilities;
using System.Net;
using System.Threading.RateLimiting;
using Gateway.ClientIdentity;

namespace Gateway.Limits;

/// <summary>
/// The new-connection rates of the proxy listener(s): <c>Gateway:Limits:MaxNewConnectionsPerSecond</c> for all clients
/// together and <c>MaxNewConnectionsPerSecondPerClient</c> per remote IP address (IPv6 per
/// <c>Gateway:ClientIdentity:Ipv6PrefixLength</c> network), each a token bucket with a burst equal to its rate. A
/// reload that changes a rate or the prefix replaces both limiters (their buckets start full); one that does not
/// keeps them.
/// </summary>
/// <remarks>
/// The per-client buckets come from <c>PartitionedRateLimiter.Create</c>, whose 100 ms heartbeat replenishes them and
/// drops (and disposes) a partition idle for 10 s; an idle token bucket is a full one, so nothing is lost and memory
/// stays bounded by the addresses seen in the last 10 s.
/// </remarks>
internal sealed class ConnectionRateLimiter : IDisposable
{
    private readonly IConfigSource? _config;
    private readonly Lock _gate = new();
    private Limiters _current;

    /// <param name="startup">The rates to start with, before the first snapshot is loaded.</param>
    /// <param name="config">Where reloads come from; <see langword="null"/> keeps the start-up rates.</param>
    /// <param name="ipv6PrefixLength">The start-up <c>Gateway:ClientIdentity:Ipv6PrefixLength</c>.</param>
    public ConnectionRateLimiter(LimitsOptions startup, IConfigSource? config = null, int ipv6PrefixLength = ClientIdentityConstants.DefaultIpv6PrefixLength)
    {
        _current = Limiters.Create(startup.MaxNewConnectionsPerSecond, startup.MaxNewConnectionsPerSecondPerClient, ipv6PrefixLength);
        if (config is not null)
        {
            _config = config;
            config.Applied += OnApplied;
        }
    }

    /// <summary>The rates in force: all clients together, and per client; 0 is off.</summary>
    public (int PerSecond, int PerClientPerSecond) Rates
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return (current.Rate, current.ClientRate);
        }
    }

    /// <summary>
    /// Takes a token for a new connection from <paramref name="client"/> (<see langword="null"/> when the transport has
    /// no IP address: only the all-clients rate applies).
    /// </summary>
    public ConnectionRejection Admit(IPAddress? client)
    {
        var limiters = Volatile.Read(ref _current);
        try
        {
            // Per client first: a client over its own rate must not spend the tokens every other client shares.
            if (limiters.PerClient is { } perClient && client is not null)
            {
                using var lease = perClient.AttemptAcquire(ClientIpResolver.Group(client, limiters.Ipv6PrefixLength));
                if (!lease.IsAcquired)
                {
                    return ConnectionRejection.ClientConnectionRate;
                }
            }

            if (limiters.Global is { } global)
            {
                using var lease = global.AttemptAcquire();
                if (!lease.IsAcquired)
                {
                    return ConnectionRejection.ConnectionRate;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // A reload replaced and disposed these limiters after this connection read them; admitting it is the
            // cheap answer, and the next connection meets the new limiters.
        }

        return ConnectionRejection.None;
    }

    /// <summary>
    /// A token bucket of <paramref name="rate"/> tokens refilled in the fewest whole 100 ms steps that add whole tokens
    /// (5/s: one every 200 ms; 7/s: seven every second; 1000/s: 100 every 100 ms), so the refill is as smooth as the
    /// partitioned limiter's heartbeat allows and never rounds the rate.
    /// </summary>
    internal static TokenBucketRateLimiterOptions BucketOptions(int rate)
    {
        var steps = (rate % 10) switch
        {
            0 => 1,
            5 => 2,
            2 or 4 or 6 or 8 => 5,
            _ => 10,
        };
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate,
            TokensPerPeriod = rate * steps / 10,
            ReplenishmentPeriod = LimitsConstants.ConnectionRateStep * steps,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private void OnApplied(IAppliedConfig snapshot)
    {
        var limits = snapshot.Section<LimitsOptions>();
        var prefix = snapshot.Section<ClientIdentityOptions>().Ipv6PrefixLength;
        Limiters previous;
        lock (_gate)
        {
            previous = _current;
            if (previous.Rate == limits.MaxNewConnectionsPerSecond && previous.ClientRate == limits.MaxNewConnectionsPerSecondPerClient &&
                previous.Ipv6PrefixLength == prefix)
            {
                return;
            }

            Volatile.Write(ref _current, Limiters.Create(limits.MaxNewConnectionsPerSecond, limits.MaxNewConnectionsPerSecondPerClient, prefix));
        }

        previous.Dispose();
    }

    public void Dispose()
    {
        if (_config is not null)
        {
            _config.Applied -= OnApplied;
        }

        Volatile.Read(ref _current).Dispose();
    }

    private sealed record Limiters(int Rate, int ClientRate, int Ipv6PrefixLength, TokenBucketRateLimiter? Global, PartitionedRateLimiter<IPAddress>? PerClient) : IDisposable
    {
        public static Limiters Create(int rate, int clientRate, int ipv6PrefixLength)
        {
            var global = rate > 0 ? new TokenBucketRateLimiter(BucketOptions(rate)) : null;
            PartitionedRateLimiter<IPAddress>? perClient = null;
            if (clientRate > 0)
            {
                var options = BucketOptions(clientRate);
                Func<IPAddress, TokenBucketRateLimiterOptions> factory = _ => options;
                perClient = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetTokenBucketLimiter(address, factory));
            }

            return new Limiters(rate, clientRate, ipv6PrefixLength, global, perClient);
        }

        public void Dispose()
        {
            Global?.Dispose();
            PerClient?.Dispose();
        }
    }
}
