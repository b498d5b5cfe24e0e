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

    /// <summary>
    /// Takes <c>--urls</c> out of the host's arguments. The web host reads its server URLs once, when the builder is
    /// made; the gateway binds its listeners itself, and Kestrel would then log at every start that it overrides the
    /// URLs. Added to the configuration after that, they reach the listeners and not the web host.
    /// </summary>
    /// <returns>The arguments without it; <paramref name="urls"/> is its last value, or null.</returns>
    public static string[] WithoutUrls(string[] hostArgs, out string? urls)
    {
        urls = null;
        var rest = new List<string>(hostArgs.Length);
        for (var i = 0; i < hostArgs.Length; i++)
        {
            var arg = hostArgs[i];
            if (string.Equals(arg, UrlsSwitch, StringComparison.OrdinalIgnoreCase) && i + 1 < hostArgs.Length)
            {
                urls = hostArgs[++i];
            }
            else if (arg.StartsWith(UrlsSwitch + "=", StringComparison.OrdinalIgnoreCase))
            {
                urls = arg[(UrlsSwitch.Length + 1)..];
            }
            else
            {
                rest.Add(arg);
            }
        }

        return [.. rest];
    }

    private const string UrlsSwitch = "--urls";
}
