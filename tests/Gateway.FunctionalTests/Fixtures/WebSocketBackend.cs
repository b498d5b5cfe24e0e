using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>
/// A real ASP.NET Core backend on a free loopback port: <c>/api/ws</c> accepts a WebSocket and echoes every message
/// until the peer closes (each close status it received is kept in <see cref="CloseStatuses"/>); any other path answers
/// 200, or 500 while <see cref="Failing"/>.
/// </summary>
public sealed class WebSocketBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile bool _failing;

    private WebSocketBackend(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The close status of every close frame a client sent, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<WebSocketCloseStatus?> CloseStatuses { get; } = new();

    public bool Failing { get => _failing; set => _failing = value; }

    public static async Task<WebSocketBackend> StartAsync()
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url.ToString());
        var app = builder.Build();
        WebSocketBackend? backend = null;
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (context.Request.Path == "/api/ws" && context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await EchoAsync(socket, backend!.CloseStatuses);
                return;
            }

            context.Response.StatusCode = backend!.Failing ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            await context.Response.WriteAsync("plain");
        });
        backend = new WebSocketBackend(app, url);
        await app.StartAsync();
        return backend;
    }

    /// <summary>Opens a WebSocket to <c>/api/ws</c> at <paramref name="server"/> (the gateway, usually).</summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri server, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.Authority}/api/ws"), cancellationToken);
        return socket;
    }

    /// <summary>Sends <paramref name="text"/> and returns the echo (the whole message, within 10 s).</summary>
    public static async Task<string> EchoAsync(ClientWebSocket socket, string text, CancellationToken cancellationToken = default)
    {
        await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        return await ReceiveMessageAsync(socket, cancellationToken);
    }

    /// <summary>
    /// Reads one whole message: a receive returns what has arrived, and a frame the proxy forwards in two segments
    /// comes in two parts (the first with <c>EndOfMessage</c> false).
    /// </summary>
    public static async Task<string> ReceiveMessageAsync(WebSocket socket, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        using var message = new System.IO.MemoryStream();
        for (var parts = 0; parts < 1024; parts++)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, received.Count);
            if (received.EndOfMessage || received.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }

        return System.Text.Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
    }

    private static async Task EchoAsync(WebSocket socket, System.Collections.Concurrent.ConcurrentQueue<WebSocketCloseStatus?> closes)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    closes.Enqueue(received.CloseStatus);
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The peer went away without a close handshake.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
