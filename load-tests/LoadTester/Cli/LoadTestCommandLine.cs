using System.Globalization;
using LoadTests.Clients;
using LoadTests.Load;
using LoadTests.Scenarios;

namespace LoadTests.Cli;

/// <summary>Parses <c>&lt;scenario&gt; [--option value ...]</c>.</summary>
internal static class LoadTestCommandLine
{
    public const string Usage = """
        usage: dotnet run -c Release --project load-tests/LoadTester -- <scenario> [options]

        scenarios: steady | reconnect-storm | region-outage | spike

        target and safety
          --target URL              base URL called (gateway, backend or any proxy); default http://127.0.0.1:8080
          --control URL             sample backend control listener (peak queues; region-outage needs it)
          --allow-host HOST         allow a non-loopback host (repeat for more); otherwise only loopback is loaded
          --max-duration DUR        hard stop per run; default 10m
          --max-requests N          hard cap on attempts per run, retries included; default 5000000
          --drain DUR               after the last arrival, time left for sessions in flight; default 60s
          --timeout DUR             per attempt, connect included; default 10s
          --send-deadline           each attempt tells the server its timeout (X-Request-Deadline, in ms)
          --send-deadline-fraction F  only this share of the sessions does (0 to 1, spread evenly); the report
                                    then gives sessions, timeouts and refusals for each kind

        load model
          --model open|closed       open: arrivals per second on schedule (default); closed: --users in a loop
          --rate R                  arrivals per second (steady, spike, region-outage); default 100
          --users N                 closed model users; default 50
          --duration DUR            steady: default 30s; region-outage: default 40s
          --phases LIST             replaces the scenario's phases: ramp:FROM-TO:DUR,constant:N:DUR,spike:N:DUR,pause:DUR
                                    (N is arrivals/s in the open model, users in the closed model)
          --paths P1,P2             steady/spike/region-outage paths, round robin; default /api/steady

        clients
          --policy LIST             retry policies, one run each: none, immediate, exponential-jitter, honour-retry-after,
                                    fixed (waits --retry-base before every retry, whatever the server says)
          --max-retries N           default 5
          --retry-base DUR          first backoff of the exponential policies, every pause of fixed; default 100ms
          --retry-max DUR           longest wait, Retry-After included; default 10s
          --connection MODE         keep-alive | per-session; default per-session for reconnect-storm, else keep-alive
          --client raw|dotnet       what a per-session connection sends with: raw (a minimal HTTP/1.1 client on a
                                    bare socket, cheap enough that a storm measures the target rather than the tool;
                                    plain http only, https falls back to dotnet) or dotnet (a SocketsHttpHandler per
                                    session, as a .NET app); default raw
          --settle DUR              pause between policy runs; default 5s
          --max-connections N       connections the tool holds open at most; default 90% of its open-file limit

        reconnect-storm
          --clients N               default 20000
          --window DUR              all clients arrive within it; default 5s
          --bootstrap P1,P2,...     the session bootstrap calls; default /session/auth,/api/state,/api/list
          --heartbeats N            heartbeat calls after the bootstrap; default 2
          --heartbeat-interval DUR  default 1s
          --heartbeat-path P        default /api/heartbeat

        spike
          --spike-factor F          default 10
          --spike-at DUR            default 10s (the base rate before it)
          --spike-for DUR           default 10s (then the base rate again for as long)

        region-outage
          --region NAME             default eu-west
          --outage-at DUR           default 10s
          --outage-for DUR          default 15s

        report
          --out DIR                 default load-tests/reports/<scenario>-<UTC time>
          --quiet                   no live progress
        """;

    /// <returns>The options, or null with <paramref name="error"/> set.</returns>
    public static LoadTestOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            error = "name a scenario first.";
            return null;
        }

        if (!ScenarioCatalog.Names.Contains(args[0]))
        {
            error = $"'{args[0]}' is not a scenario: use {string.Join(", ", ScenarioCatalog.Names)}.";
            return null;
        }

        var options = new LoadTestOptions { Scenario = args[0] };
        var allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            for (var i = 1; i < args.Count; i++)
            {
                var name = args[i];
                if (name == "--quiet")
                {
                    options = options with { Quiet = true };
                    continue;
                }

                if (name == "--send-deadline")
                {
                    options = options with { SendDeadlineFraction = 1 };
                    continue;
                }

                var value = i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value.");
                options = name switch
                {
                    "--target" => options with { Target = Url(value) },
                    "--control" => options with { Control = Url(value) },
                    "--allow-host" => Allow(options, allowed, value),
                    "--max-duration" => options with { MaxDuration = Duration(value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)) },
                    "--max-requests" => options with { MaxRequests = Whole(value, 1, 50_000_000) },
                    "--drain" => options with { Drain = Duration(value, TimeSpan.Zero, TimeSpan.FromMinutes(30)) },
                    "--send-deadline-fraction" => options with { SendDeadlineFraction = Number(value, 0, 1) },
                    "--timeout" => options with { Timeout = Duration(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)) },
                    "--model" => options with { ClosedModel = value switch { "open" => false, "closed" => true, _ => throw new FormatException("--model is open or closed.") } },
                    "--rate" => options with { Rate = Number(value, 0.001, 100_000) },
                    "--users" => options with { Users = (int)Whole(value, 1, 20_000) },
                    "--duration" => options with { Duration = Duration(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) },
                    "--phases" => options with { Phases = PhaseParser.Parse(value) },
                    "--paths" => options with { Paths = Paths(value) },
                    "--policy" => options with { Policies = value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ClientRetryPolicyNames.Parse).ToList() },
                    "--max-retries" => options with { Retry = options.Retry with { MaxRetries = (int)Whole(value, 1, 100) } },
                    "--retry-base" => options with { Retry = options.Retry with { BaseDelay = Duration(value, TimeSpan.Zero, TimeSpan.FromMinutes(1)) } },
                    "--retry-max" => options with { Retry = options.Retry with { MaxDelay = Duration(value, TimeSpan.Zero, TimeSpan.FromMinutes(10)) } },
                    "--connection" => options with { Connection = ConnectionModeNames.Parse(value) },
                    "--client" => options with { Client = ClientStackNames.Parse(value) },
                    "--max-connections" => options with { MaxConnections = (int)Whole(value, 1, 1_000_000) },
                    "--settle" => options with { Settle = Duration(value, TimeSpan.Zero, TimeSpan.FromMinutes(10)) },
                    "--clients" => options with { Clients = (int)Whole(value, 1, 1_000_000) },
                    "--window" => options with { Window = Duration(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) },
                    "--bootstrap" => options with { Bootstrap = Paths(value) },
                    "--heartbeats" => options with { Heartbeats = (int)Whole(value, 0, 1000) },
                    "--heartbeat-interval" => options with { HeartbeatInterval = Duration(value, TimeSpan.Zero, TimeSpan.FromMinutes(10)) },
                    "--heartbeat-path" => options with { HeartbeatPath = Paths(value)[0] },
                    "--spike-factor" => options with { SpikeFactor = Number(value, 1, 1000) },
                    "--spike-at" => options with { SpikeAt = Duration(value, TimeSpan.Zero, TimeSpan.FromHours(1)) },
                    "--spike-for" => options with { SpikeFor = Duration(value, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) },
                    "--region" => options with { Region = value },
                    "--outage-at" => options with { OutageAt = Duration(value, TimeSpan.Zero, TimeSpan.FromHours(1)) },
                    "--outage-for" => options with { OutageFor = Duration(value, TimeSpan.Zero, TimeSpan.FromHours(1)) },
                    "--out" => options with { Out = value },
                    _ => throw new FormatException($"unknown option {name}."),
                };
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        if (options.Retry.BaseDelay > options.Retry.MaxDelay)
        {
            error = "--retry-base must not be above --retry-max.";
            return null;
        }

        error = TargetGuard.Check([options.Target, options.Control], options.AllowedHosts);
        return error is null ? options : null;
    }

    private static LoadTestOptions Allow(LoadTestOptions options, HashSet<string> allowed, string host)
    {
        allowed.Add(host);
        return options with { AllowedHosts = allowed };
    }

    private static Uri Url(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) && url.Query.Length == 0
            ? url
            : throw new FormatException($"'{text}' is not an absolute URL without a query.");

    private static List<string> Paths(string text)
    {
        var paths = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (paths.Count == 0 || paths.Any(p => !p.StartsWith('/')))
        {
            throw new FormatException($"'{text}' is not a list of paths starting with /.");
        }

        return paths;
    }

    private static TimeSpan Duration(string text, TimeSpan min, TimeSpan max)
    {
        var value = DurationParser.Parse(text);
        return value >= min && value <= max ? value : throw new FormatException($"'{text}' is out of range {min} to {max}.");
    }

    private static long Whole(string text, long min, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{text}' is not a whole number from {min} to {max}.");

    private static double Number(string text, double min, double max) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{text}' is not a number from {min} to {max}.");
}
