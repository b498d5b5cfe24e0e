using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Admin;

internal static class AdminJson
{
    /// <summary>The admin API's own fields: camelCase.</summary>
    public static readonly JsonSerializerOptions Api = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Like <see cref="Api"/> without indentation, for bodies polled every second (the console's series).</summary>
    public static readonly JsonSerializerOptions Compact = new(Api) { WriteIndented = false };

    /// <summary>Configuration echoed back: the same key names as in appsettings.json.</summary>
    public static readonly JsonSerializerOptions Config = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
