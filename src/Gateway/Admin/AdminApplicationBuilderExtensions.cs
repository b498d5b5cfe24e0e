using Gateway.Utilities;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Admin;

/// <summary>The admin listener's steps.</summary>
internal static class AdminApplicationBuilderExtensions
{
    /// <summary>
    /// Marks each connection on the admin listener, so the split between admin and proxy traffic depends on the
    /// socket, never on a Host header a client can forge.
    /// </summary>
    public static ListenOptions UseAdminConnectionMark(this ListenOptions listener)
    {
        listener.Use(static next => connection =>
        {
            AdminConnectionFeature.Mark(connection);
            return next(connection);
        });
        return listener;
    }

    /// <summary>Requires <c>X-Admin-Key</c> on the admin listener when a key is configured.</summary>
    public static IApplicationBuilder UseAdminKey(this IApplicationBuilder app) => app.UseMiddleware<AdminKeyMiddleware>();
}
