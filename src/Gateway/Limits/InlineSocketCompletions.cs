namespace Gateway.Limits;

/// <summary>
/// Applies <see cref="LimitsOptions.InlineSocketCompletions"/>: the runtime's socket engine reads
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> once, when the process first uses an asynchronous socket, so the
/// gateway's own process sets it before anything opens one. Process-wide, so only the process entry calls it: a test
/// host or an embedding application keeps the runtime's default.
/// </summary>
internal static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    public const string ConfigKey = $"{LimitsConstants.SectionPath}:{nameof(LimitsOptions.InlineSocketCompletions)}";

    /// <summary>Sets the variable when the configuration wants inline completions and the environment is silent.</summary>
    public static Decision ApplyToProcess(IConfiguration configuration)
    {
        var decision = Decide(configuration[ConfigKey], Environment.GetEnvironmentVariable(Variable));
        if (decision is { Inline: true, DecidedBy: ConfigKey })
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }

        return decision;
    }

    /// <summary>
    /// An operator's own variable wins, and the runtime takes exactly "1" as on. Otherwise the configuration decides,
    /// absent meaning the default; a value that is not a boolean counts as off here, and validation refuses it before
    /// the gateway starts.
    /// </summary>
    public static Decision Decide(string? configured, string? environment) =>
        environment is not null
            ? new Decision(environment == "1", Variable)
            : new Decision(
                configured is null ? LimitsConstants.DefaultInlineSocketCompletions : bool.TryParse(configured, out var on) && on,
                ConfigKey);

    /// <summary>Whether completions run inline, and which setting decided it.</summary>
    public readonly record struct Decision(bool Inline, string DecidedBy)
    {
        /// <summary>Logs it once the host's logging exists, so an operator sees which way the process runs.</summary>
        public void Report(ILoggerFactory loggers)
        {
            var logger = loggers.CreateLogger(typeof(InlineSocketCompletions).FullName!);
            Log.InlineSocketCompletions(logger, Inline, DecidedBy);
        }
    }
}
