using System.Threading.Channels;

namespace Gateway.AccessLog;

/// <summary>The bounded queue between requests and the writer: adding never waits, a full queue drops and counts.</summary>
internal sealed class AccessLogQueue
{
    private readonly Channel<AccessLogRecord> _channel;
    private readonly AccessLogMetrics _metrics;

    public AccessLogQueue(AccessLogOptions options, AccessLogMetrics metrics)
    {
        _metrics = metrics;
        _channel = Channel.CreateBounded<AccessLogRecord>(new BoundedChannelOptions(options.QueueLimit)
        {
            // Wait, not DropWrite: with DropWrite TryWrite reports success for a line it drops, which could not be counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<AccessLogRecord> Reader => _channel.Reader;

    public void Add(AccessLogRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            _metrics.Dropped();
        }
    }

    /// <summary>No more lines: the writer finishes what is queued and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
