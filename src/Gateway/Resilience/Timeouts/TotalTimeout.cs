using Microsoft.Extensions.ObjectPool;

namespace Gateway.Resilience;

/// <summary>
/// The token of a request's total timeout: cancelled when the time is up or when the client goes away. On the system
/// clock the sources are pooled (reset and reused, as YARP and Polly pool theirs), since one is needed per request.
/// </summary>
internal static class TotalTimeout
{
    private static readonly ObjectPool<CancellationTokenSource> s_pool =
        new DefaultObjectPool<CancellationTokenSource>(new ResettingPolicy(), Environment.ProcessorCount * 64);

    /// <summary>A source that cancels after <paramref name="timeout"/> or with <paramref name="clientAborted"/>.</summary>
    /// <returns>The source and the link to the client's token; give both back with <see cref="Return"/>.</returns>
    public static (CancellationTokenSource Source, CancellationTokenRegistration Link) Rent(TimeSpan timeout, TimeProvider time, CancellationToken clientAborted)
    {
        CancellationTokenSource source;
        if (ReferenceEquals(time, TimeProvider.System))
        {
            source = s_pool.Get();
            source.CancelAfter(timeout);
        }
        else
        {
            source = new CancellationTokenSource(timeout, time);
        }

        var link = clientAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
        return (source, link);
    }

    public static void Return(CancellationTokenSource source, CancellationTokenRegistration link, TimeProvider time)
    {
        // Unlinked first, so a client that goes away later cannot cancel a source already serving another request.
        link.Dispose();
        if (ReferenceEquals(time, TimeProvider.System))
        {
            s_pool.Return(source);
        }
        else
        {
            source.Dispose();
        }
    }

    private sealed class ResettingPolicy : IPooledObjectPolicy<CancellationTokenSource>
    {
        public CancellationTokenSource Create() => new();

        // TryReset stops the timer; a cancelled source cannot be reset and is dropped.
        public bool Return(CancellationTokenSource obj)
        {
            if (obj.TryReset())
            {
                return true;
            }

            obj.Dispose();
            return false;
        }
    }
}
