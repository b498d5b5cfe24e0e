using System.Collections.Concurrent;
using System.Text;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A real gRPC server (Grpc.AspNetCore) on a loopback h2c port with one service, <c>test.Echo</c>, declared by hand
/// (string messages, no protobuf code generation): <c>Say</c> (unary), <c>Count</c> (server streaming) and
/// <c>Hang</c> (unary, answers only when cancelled). It records the deadline each call arrived with.
/// </summary>
public sealed class GrpcBackend : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private GrpcBackend(LoopbackServer server) => _server = server;

    public Uri Url => _server.Url;

    /// <summary>What the backend saw of each call, in arrival order.</summary>
    public ConcurrentQueue<GrpcCallSeen> Calls => _server.Services.GetRequiredService<ConcurrentQueue<GrpcCallSeen>>();

    public static async Task<GrpcBackend> StartAsync() => new(await LoopbackServer.StartAsync(
        HttpProtocols.Http2,
        services => services.AddGrpc().Services.AddSingleton(new ConcurrentQueue<GrpcCallSeen>()),
        app => app.MapGrpcService<EchoService>()));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <param name="Method">The gRPC method name.</param>
/// <param name="GrpcTimeout">The <c>grpc-timeout</c> header as received, if any.</param>
/// <param name="DeadlineLeft">Time left to the call's deadline when it arrived; null for none.</param>
public sealed record GrpcCallSeen(string Method, string? GrpcTimeout, TimeSpan? DeadlineLeft);

/// <summary>The <c>test.Echo</c> methods, for clients.</summary>
public static class EchoMethods
{
    private static readonly Marshaller<string> s_text = Marshallers.Create(Encoding.UTF8.GetBytes, Encoding.UTF8.GetString);

    public const string ServiceName = "test.Echo";

    /// <summary>Answers <c>hello {request}</c>.</summary>
    public static readonly Method<string, string> Say = new(MethodType.Unary, ServiceName, "Say", s_text, s_text);

    /// <summary>Request <c>{count}:{intervalMs}</c>: that many messages <c>0</c>, <c>1</c>, ... (0 for no end), one per interval.</summary>
    public static readonly Method<string, string> Count = new(MethodType.ServerStreaming, ServiceName, "Count", s_text, s_text);

    /// <summary>Never answers; ends only when the call is cancelled.</summary>
    public static readonly Method<string, string> Hang = new(MethodType.Unary, ServiceName, "Hang", s_text, s_text);
}

/// <summary>
/// The service's base, as code generation writes it: Grpc.AspNetCore binds each method by name to an override of
/// the virtual method declared here.
/// </summary>
[BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
internal abstract class EchoServiceBase
{
    public static void BindService(ServiceBinderBase binder, EchoServiceBase? service)
    {
        binder.AddMethod(EchoMethods.Say, service is null ? null : service.Say);
        binder.AddMethod(EchoMethods.Count, service is null ? null : service.Count);
        binder.AddMethod(EchoMethods.Hang, service is null ? null : service.Hang);
    }

    public abstract Task<string> Say(string request, ServerCallContext context);

    public abstract Task Count(string request, IServerStreamWriter<string> responses, ServerCallContext context);

    public abstract Task<string> Hang(string request, ServerCallContext context);
}

internal sealed class EchoService(ConcurrentQueue<GrpcCallSeen> calls) : EchoServiceBase
{
    public override Task<string> Say(string request, ServerCallContext context)
    {
        Record("Say", context);
        return Task.FromResult($"hello {request}");
    }

    public override async Task Count(string request, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        Record("Count", context);
        var parts = request.Split(':');
        var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var interval = TimeSpan.FromMilliseconds(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; count == 0 || i < count; i++)
        {
            await responses.WriteAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), context.CancellationToken);
            await Task.Delay(interval, context.CancellationToken);
        }
    }

    public override async Task<string> Hang(string request, ServerCallContext context)
    {
        Record("Hang", context);
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
        return request;
    }

    private void Record(string method, ServerCallContext context)
    {
        // Grpc.AspNetCore keeps grpc-timeout out of RequestHeaders; the HTTP request has it.
        var header = context.GetHttpContext().Request.Headers["grpc-timeout"];
        var timeout = header.Count == 0 ? null : header.ToString();
        var left = context.Deadline == DateTime.MaxValue ? (TimeSpan?)null : context.Deadline - DateTime.UtcNow;
        calls.Enqueue(new GrpcCallSeen(method, timeout, left));
    }
}
