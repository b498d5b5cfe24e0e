using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LoadTests.Clients;

/// <summary>
/// What every raw session of one run shares: the target's address, resolved once, and each call's request bytes,
/// built once per path, so that a session's attempt is a send and a receive.
/// </summary>
internal sealed class RawHttpTarget
{
    private readonly Uri _target;
    private readonly string _deadlineLine;
    private readonly ConcurrentDictionary<(string Path, bool Deadline), byte[]> _requests = new();

    private RawHttpTarget(Uri target, IPEndPoint endpoint, TimeSpan timeout)
    {
        _target = target;
        Endpoint = endpoint;
        _deadlineLine = $"{HttpAttempt.DeadlineHeader}: {((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}\r\n";
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Whether the raw client can call <paramref name="target"/>: plain HTTP only, it speaks no TLS.</summary>
    public static bool Supports(Uri target) => target.Scheme == Uri.UriSchemeHttp;

    /// <param name="timeout">The attempt timeout, which <see cref="HttpAttempt.DeadlineHeader"/> tells the server.</param>
    public static RawHttpTarget Resolve(Uri target, TimeSpan timeout)
    {
        var address = IPAddress.TryParse(target.DnsSafeHost, out var literal)
            ? literal
            : Dns.GetHostAddresses(target.DnsSafeHost).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        return new RawHttpTarget(target, new IPEndPoint(address, target.Port), timeout);
    }

    public byte[] Request(string path, bool sendDeadline) =>
        _requests.GetOrAdd((path, sendDeadline), static (key, self) => self.Build(key.Path, key.Deadline), this);

    private byte[] Build(string path, bool sendDeadline)
    {
        var uri = new Uri(_target, path.TrimStart('/'));
        return Encoding.ASCII.GetBytes(
            $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\n{(sendDeadline ? _deadlineLine : "")}\r\n");
    }
}
