namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// Tests that read process-wide counters (OpenTelemetry listens to every meter of a name, whichever host made it)
/// or measure reload timing run here, alone, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialGroup
{
    public const string Name = "Serial";
}
