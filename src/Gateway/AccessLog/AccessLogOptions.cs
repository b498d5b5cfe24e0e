namespace Gateway.AccessLog;

/// <summary>
/// One JSON line per proxy request: <c>Gateway:AccessLog</c>. Lines go through a bounded queue to a background
/// writer, so a slow disk or pipe never slows a request: when the queue is full the line is dropped and counted in
/// <c>gateway.accesslog.dropped</c>. Read at start-up; a change needs a restart. A route leaves itself out with
/// <c>Metadata.AccessLog</c> <c>false</c>.
/// </summary>
public sealed record AccessLogOptions
{
    /// <summary>Whether the access log is written. Default false. Start-up only.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// The file lines are appended to (created when missing, relative to the working directory); unset writes them to
    /// standard output. Default none. Start-up only.
    /// </summary>
    public string? Path { get; init; }

    /// <summary>
    /// Share of requests logged, chosen at random per request: 1 logs every request, 0.01 one in a hundred. Default 1,
    /// range 0 to 1. Start-up only.
    /// </summary>
    public double SampleRate { get; init; } = AccessLogConstants.DefaultSampleRate;

    /// <summary>
    /// Lines waiting for the writer; a line over the limit is dropped and counted. Default 10000, range 1 to 1000000.
    /// Start-up only.
    /// </summary>
    public int QueueLimit { get; init; } = AccessLogConstants.DefaultQueueLimit;
}
