namespace Gateway.Utilities;

/// <summary>Collects validation errors under a key path prefix so that nested validators stay path-correct.</summary>
internal sealed class ConfigErrorList
{
    private readonly List<ConfigError> _errors = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public bool HasErrors => _errors.Count > 0;

    public void Add(string path, string reason) => _errors.Add(new ConfigError(path, reason));

    public void AddRange(IEnumerable<ConfigError> errors) => _errors.AddRange(errors);

    public void RequireRange(string path, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            Add(path, $"must be between {min} and {max} (was {value}).");
        }
    }

    public void RequireRange(string path, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            Add(path, $"must be between {min:c} and {max:c} (was {value:c}).");
        }
    }
}
