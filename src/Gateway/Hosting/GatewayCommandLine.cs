namespace Gateway.Hosting;

/// <summary>
/// The gateway's own command-line words: <c>validate &lt;file&gt;</c> and <c>--config &lt;file&gt;</c>. Everything
/// else (<c>--urls</c>, <c>--Gateway:Admin:Urls=...</c>) goes to ASP.NET Core's command-line configuration.
/// </summary>
internal sealed record GatewayCommandLine(string? ValidateFile, string? ConfigFile, string[] HostArgs)
{
    public const string Usage = "usage: Gateway [--config <file>] [--urls <urls>] [--Key=Value ...]\n       Gateway validate <file>";

    public static GatewayCommandLine? Parse(string[] args, out string? error)
    {
        error = null;
        if (args is ["validate", .. var rest])
        {
            if (rest.Length != 1)
            {
                error = "validate takes exactly one file.";
                return null;
            }

            return new GatewayCommandLine(rest[0], null, []);
        }

        string? configFile = null;
        var hostArgs = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "--config")
            {
                if (i + 1 >= args.Length)
                {
                    error = "--config needs a file.";
                    return null;
                }

                configFile = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = arg["--config=".Length..];
            }
            else
            {
                hostArgs.Add(arg);
            }
        }

        return new GatewayCommandLine(null, configFile, [.. hostArgs]);
    }
}
