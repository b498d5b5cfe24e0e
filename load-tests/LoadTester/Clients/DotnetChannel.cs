using System.Collections.Concurrent;

namespace LoadTests.Clients;

/// <summary>Attempts through an <see cref="HttpMessageInvoker"/>: the run's shared keep-alive pool, or a session's own handler.</summary>
internal sealed class DotnetChannel(HttpMessageInvoker client, bool ownsClient, Uri target, ConcurrentDictionary<string, Uri> uris, TimeProvider time)
    : ISessionChannel
{
    public ValueTask<AttemptOutcome> SendAsync(string path, TimeSpan timeout, bool sendDeadline, CancellationToken cancellationToken) =>
        HttpAttempt.SendAsync(client, uris.GetOrAdd(path, static (p, t) => new Uri(t, p.TrimStart('/')), target), timeout, time, cancellationToken, sendDeadline);

    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }
}
