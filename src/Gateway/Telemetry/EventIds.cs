using Gateway.Utilities;

namespace Gateway.Telemetry;

/// <summary>
/// The ids of the gateway's log events, in one table so that none is used twice. They are a contract: operators
/// filter and alert on them, and docs/telemetry.md lists them. Never renumber one; give a new event a new id in its
/// feature's block.
/// </summary>
internal static class EventIds
{
    // 1xxx: configuration loads and reloads.
    public const int ConfigApplied = 1001;
    public const int ConfigRejected = 1002;
    public const int ConfigError = 1003;
    public const int RestartRequired = 1004;
    public const int ReloadFailed = 1005;
    public const int ProxyApplyFailed = 1006;

    // 2xxx: health (outlier ejection).
    public const int DestinationEjected = 2001;
    public const int EjectionCapped = 2002;

    // 31xx: failover (region drains).
    public const int DrainsLoaded = 3101;
    public const int DrainsNotLoaded = 3102;
    public const int DrainNotShared = 3103;

    // 4xxx: resilience (circuit breakers, policies).
    public const int CircuitOpened = 4001;
    public const int CircuitHalfOpened = 4002;
    public const int CircuitClosed = 4003;
    public const int ResiliencePolicyRebuilt = 4004;
    public const int CircuitProbeReleased = 4005;

    // 5xxx: Redis and the global rate limits that use it; numbered when the connection lived in rate limiting.
    public const int RedisConnecting = 5001;
    public const int RedisConfigurationFailed = 5002;
    public const int RedisConnectionFailed = 5003;
    public const int RedisConnectionRestored = 5004;
    public const int RedisCircuitOpened = 5005;
    public const int RedisCircuitClosed = 5006;
    public const int LiveInstancesChanged = 5007;
    public const int RateLimitPoliciesApplied = 5008;
    public const int RedisRestartRequired = 5009;

    // 6xxx: load shedding.
    public const int ShedderStarted = 6001;
    public const int ShedderStopped = 6002;
    public const int SheddingLimitRestarted = 6003;
    public const int SheddingDestinationShared = 6004;
    public const int SheddingRetryHabitChanged = 6005;
    public const int SheddingWaitersRefused = 6006;
    public const int SheddingWaiterTimedOut = 6007;

    // 7xxx: the access log.
    public const int AccessLogWriteFailed = 7001;
    public const int AccessLogReopened = 7002;
    public const int AccessLogReopenFailed = 7003;

    // 8xxx: shutdown (the graceful drain).
    public const int DrainStarted = 8001;
    public const int DrainDelayOver = 8002;

    // 81xx: long-lived responses (WebSockets).
    public const int WebSocketsClosing = 8101;
    public const int WebSocketIdle = 8102;

    // 9xxx: the edge (limits and guards before routing).
    public const int RequestRefused = 9001;
    public const int ConnectionsRejected = 9002;
    public const int ConnectionCapOverFileLimit = 9003;
    public const int InlineSocketCompletions = 9004;

    // 92xx: identity (API keys, JWT signing keys).
    public const int IdentityApplied = 9201;
    public const int JwksRefreshed = 9202;
    public const int JwksRefreshFailed = 9203;

    // 91xx: TLS termination.
    public const int CertificatesReloaded = 9101;
    public const int CertificateReloadFailed = 9102;
}
