namespace Gateway.Admin;

internal static class AdminConstants
{
    public const string ApiKeyHeader = "X-Admin-Key";
}
