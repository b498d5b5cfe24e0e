namespace Gateway.Admin.OperatorConsole;

internal static class OperatorConsoleConstants
{
    public const string StatsPath = "/admin/stats";

    public const string AssetPrefix = "/console/";
}
