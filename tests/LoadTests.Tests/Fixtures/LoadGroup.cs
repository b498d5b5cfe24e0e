namespace LoadTests.Tests.Fixtures;

/// <summary>
/// Tests that put real load on the machine (wrk benchmarks, storms through the real gateway) run one at a time: side
/// by side on two cores, a benchmark starves the gateway of a storm test, whose admission limit then reads the
/// gateway's own CPU starvation as a slow backend (a fresh-clone run refused 118 of 200 sessions that way).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadGroup
{
    public const string Name = "load";
}
