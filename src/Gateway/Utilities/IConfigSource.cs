namespace Gateway.Utilities;

/// <summary>Where features find the applied configuration, and hear when a newer one replaces it.</summary>
internal interface IConfigSource
{
    /// <summary>The configuration in force now; read without a lock.</summary>
    IAppliedConfig Current { get; }

    /// <summary>Raised after a newer configuration is applied, with it.</summary>
    event Action<IAppliedConfig>? Applied;
}
