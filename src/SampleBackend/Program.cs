using System.Globalization;
using System.Runtime.InteropServices;
using SampleBackend;

// Usage: SampleBackend --instances eu-1@eu-west:5101,us-1@us-east:5201 [--capacity 64] [--service-time-ms 5] [--control 5100]
var instances = "eu-1@eu-west:5101,eu-2@eu-west:5102,us-1@us-east:5201,us-2@us-east:5202";
var capacity = 64;
var serviceTimeMs = 5.0;
int? control = 5100;
IReadOnlyList<InstanceSpec> specs;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        var value = i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--instances": instances = value; break;
            case "--capacity": capacity = int.Parse(value, CultureInfo.InvariantCulture); break;
            case "--service-time-ms": serviceTimeMs = double.Parse(value, CultureInfo.InvariantCulture); break;
            case "--control": control = value == "none" ? null : int.Parse(value, CultureInfo.InvariantCulture); break;
            default: throw new FormatException($"unknown option {args[i]}.");
        }

        i++;
    }

    specs = InstanceSpec.ParseList(instances);
    if (capacity < 1 || serviceTimeMs < 0)
    {
        throw new FormatException("--capacity must be 1 or more and --service-time-ms 0 or more.");
    }
}
catch (FormatException ex)
{
    await Console.Error.WriteLineAsync($"SampleBackend: {ex.Message}\nusage: SampleBackend --instances name@region:port,... [--capacity N] [--service-time-ms MS] [--control PORT|none]");
    return 2;
}

SampleBackendHost host;
try
{
    host = await SampleBackendHost.StartAsync(new SampleBackendOptions(
        specs, capacity, TimeSpan.FromMilliseconds(serviceTimeMs), control));
}
catch (IOException ex)
{
    await Console.Error.WriteLineAsync($"SampleBackend: {ex.Message} Is another sample backend running?");
    return 1;
}

await using var running = host;
foreach (var instance in host.Instances)
{
    Console.WriteLine($"instance {instance.Name} ({instance.Region}) on {instance.Url}");
}

if (host.ControlUrl is not null)
{
    Console.WriteLine($"control on {host.ControlUrl}");
}

using var stop = new CancellationTokenSource();
// Each instance's web app takes SIGTERM/SIGINT for itself (and keeps the process alive); the process must end too,
// or a script's `kill` leaves the ports taken.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
