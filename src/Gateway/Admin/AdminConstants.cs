namespace Gateway.Admin;

internal static class AdminConstants
{
    public const string DefaultUrls = "http://127.0.0.1:9901";

    public const string ApiKeyHeader = "X-Admin-Key";

    // Shorter keys can be brute-forced over the network; the admin API can drain regions.
    public const int MinApiKeyLength = 16;
}
