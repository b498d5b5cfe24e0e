using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.FunctionalTests.Fixtures;

/// <summary>A WebSocket echo server (ASP.NET Core) on a loopback HTTP/1.1 port: every message at <c>/ws</c> comes back.</summary>
public sealed class WebSocketBackend : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private WebSocketBackend(LoopbackServer server) => _server = server;

    public Uri Url => _server.Url;

    public static async Task<WebSocketBackend> StartAsync() => new(await LoopbackServer.StartAsync(
        HttpProtocols.Http1,
        _ => { },
        app =>
        {
            app.UseWebSockets();
            app.Map("/ws", EchoAsync);
        }));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }
}
